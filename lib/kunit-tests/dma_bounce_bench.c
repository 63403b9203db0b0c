// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of bounce-on-misalignment, not tests: the cost of counting,
 * of map+unmap under the policy booted, and of the decision of each policy. Run them on their
 * own (CONFIG_DMA_BOUNCE_KUNIT_BENCH), booted with dma_debug=off.
 */
#include <linux/scatterlist.h>
#include <linux/sort.h>

#include "dma_bounce_kunit.h"

/*
 * Benchmarks, not tests: run them on their own, booted with dma_debug=off
 * so that dma-debug's bookkeeping does not drown what is measured. They
 * print figures measured in one run, as ratios, since absolute times under
 * emulation mean little, and fail only when a mapping does not behave as
 * the figure assumes.
 */
#define BENCH_ROUNDS	9

#define BENCH_MAPPINGS	20000

/* What a benchmark repeats: @len bytes at @buf, or the list @sgl; @n times. */
struct bench_mapping {
	const char *name;
	void *buf;
	size_t len;
	struct scatterlist *sgl;
	int nents;
	int n;
	unsigned long attrs;
};

/* The time of one DMA_FROM_DEVICE map+unmap of @m, averaged over @m->n. */
static u64 bench_map_unmap(struct device *dev, const struct bench_mapping *m,
			   int *errors)
{
	dma_addr_t dma;
	u64 start;
	int i;

	start = ktime_get_ns();
	for (i = 0; i < m->n; i++) {
		if (m->sgl) {
			if (unlikely(!dma_map_sg_attrs(dev, m->sgl, m->nents,
						       DMA_FROM_DEVICE,
						       m->attrs))) {
				(*errors)++;
				continue;
			}
			dma_unmap_sg_attrs(dev, m->sgl, m->nents,
					   DMA_FROM_DEVICE, m->attrs);
			continue;
		}
		dma = dma_map_single_attrs(dev, m->buf, m->len,
					   DMA_FROM_DEVICE, m->attrs);
		if (unlikely(dma_mapping_error(dev, dma))) {
			(*errors)++;
			continue;
		}
		dma_unmap_single_attrs(dev, dma, m->len, DMA_FROM_DEVICE,
				       m->attrs);
	}
	return div_u64(ktime_get_ns() - start, m->n);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

/* @a / @b in thousandths, for "%u.%03u" */
static u32 permille(u64 a, u64 b)
{
	return div64_u64(a * 1000, max_t(u64, b, 1));
}

/*
 * The cost of counting: map+unmap of an aligned buffer, which is mapped in
 * place and counted, with counting on and off in alternate rounds. Off,
 * the static branch is a no-op: what is left of counting compiled out is
 * the direction and coherence tests, which the mapping makes anyway.
 */
static void bench_counting(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	struct bench_mapping m = { .len = 2 * line, .n = BENCH_MAPPINGS };
	u64 on[BENCH_ROUNDS], off[BENCH_ROUNDS], on_ns, off_ns;
	u32 ratio;
	int errors = 0, r;

	test_set_counting(test);
	m.buf = test_kmalloc(test, m.len, GFP_KERNEL);

	for (r = 0; r < BENCH_ROUNDS; r++) {
		dma_bounce_stats_enable(true);
		on[r] = bench_map_unmap(dev, &m, &errors);
		dma_bounce_stats_enable(false);
		off[r] = bench_map_unmap(dev, &m, &errors);
		cond_resched();
	}
	dma_bounce_stats_enable(true);
	KUNIT_ASSERT_EQ(test, errors, 0);

	/* Only the rounds with counting on were counted, all in place. */
	expect_mappings(test, dev, (u64)BENCH_ROUNDS * BENCH_MAPPINGS,
			DMA_BOUNCE_NONE, 0, "benchmark");

	on_ns = median(on, BENCH_ROUNDS);
	off_ns = median(off, BENCH_ROUNDS);
	KUNIT_ASSERT_GT(test, off_ns, 0);
	ratio = permille(on_ns, off_ns);
	kunit_info(test, "bench: map+unmap %u-byte aligned DMA_FROM_DEVICE, median of %d rounds of %d: counting on %llu ns, off %llu ns, ratio on/off %u.%03u\n",
		   2 * line, BENCH_ROUNDS, BENCH_MAPPINGS, on_ns, off_ns,
		   ratio / 1000, ratio % 1000);
}

/*
 * What the policy costs the mappings drivers make: a page, kmalloc objects
 * that fill their cache lines, and buffers that share their first line with
 * the 8 bytes before them; mapped single and as a scatterlist of four such
 * buffers. The policy is the one booted, never switched on a running
 * system: boot once per policy and set the figures side by side. "off"
 * never bounces: for a buffer no policy bounces, the ratio to
 * it is the cost of the decision; for the others, of the bounce too.
 */
#define BENCH_POLICY_MAPPINGS	2000

#define BENCH_SG_ENTRIES	4

#define BENCH_DECISIONS		20000

struct bench_buffer {
	const char *name;
	size_t alloc;		/* the allocation; 0 for a page */
	size_t offset;		/* where the mapping starts in it */
	size_t len;
};

static const struct bench_buffer bench_buffers[] = {
	{ "page",		0,	0,	PAGE_SIZE },
	{ "kmalloc-64",		64,	0,	64 },
	{ "kmalloc-192",	192,	0,	192 },
	{ "misaligned-8",	2048,	8,	8 },
	{ "misaligned-40",	2048,	8,	40 },
	{ "misaligned-64",	2048,	8,	64 },
	{ "misaligned-1500",	2048,	8,	1500 },
};

/*
 * The decision alone, without the mapping: for whole lines (the fast path),
 * a tail in the slack of its own kmalloc object (a slab lookup) and a
 * shared first line. Each policy decides, as an argument: nothing global.
 */
static const struct bench_buffer bench_decision_buffers[] = {
	{ "kmalloc-192",	192,	0,	192 },
	{ "kmalloc(40)",	40,	0,	40 },
	{ "misaligned-8",	2048,	8,	8 },
};

static const enum dma_bounce_policy bench_policies[] = {
	DMA_BOUNCE_POLICY_OFF,
	DMA_BOUNCE_POLICY_KMALLOC,
	DMA_BOUNCE_POLICY_MISALIGNED,
};

#define BENCH_POLICIES	ARRAY_SIZE(bench_policies)

static void bench_free_page(void *page)
{
	__free_page(page);
}

static void *bench_buffer_alloc(struct kunit *test, const struct bench_buffer *b)
{
	struct page *page;
	u8 *p;

	if (b->alloc) {
		p = test_kmalloc(test, b->alloc, GFP_KERNEL);
		return p + b->offset;
	}
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_free_page,
							page), 0);
	return page_address(page) + b->offset;
}

/* The time of one decision under @policy for @m, averaged over @m->n. */
static u64 bench_decide(struct device *dev, enum dma_bounce_policy policy,
			const struct bench_mapping *m)
{
	phys_addr_t phys = virt_to_phys(m->buf);
	unsigned int bounces = 0;
	u64 start;
	int i;

	start = ktime_get_ns();
	for (i = 0; i < m->n; i++) {
		phys_addr_t p = phys;

		/* decide afresh each time, as each mapping does */
		OPTIMIZER_HIDE_VAR(p);
		bounces += dma_bounce_decide(policy, dev, p, m->len,
					     DMA_FROM_DEVICE, 0) !=
			   DMA_BOUNCE_NONE;
	}
	OPTIMIZER_HIDE_VAR(bounces);
	return div_u64(ktime_get_ns() - start, m->n);
}

/* Is @m bounced under the policy booted? Its first buffer tells. */
static bool bench_bounced(struct kunit *test, struct device *dev,
			  const struct bench_mapping *m)
{
	dma_addr_t dma;
	bool bounced;

	if (m->sgl) {
		KUNIT_ASSERT_EQ(test, test_map_sg_attrs(test, dev, m->sgl,
							m->nents,
							DMA_FROM_DEVICE,
							m->attrs), m->nents);
		bounced = is_bounced(dev, sg_dma_address(m->sgl));
		test_unmap_sg(test, dev, m->sgl);
		return bounced;
	}
	dma = test_map_single_attrs(test, dev, m->buf, m->len, DMA_FROM_DEVICE,
				    m->attrs);
	bounced = is_bounced(dev, dma);
	test_unmap_single(test, dev, dma);
	return bounced;
}

/*
 * Map+unmap of @m under the policy booted, after checking that it is
 * bounced as the policy decides: the median of BENCH_ROUNDS rounds.
 */
static void bench_report_mapping(struct kunit *test, struct device *dev,
				 const struct bench_mapping *m, const char *how)
{
	enum dma_bounce_policy policy = dma_bounce_get_policy();
	u64 t[BENCH_ROUNDS];
	bool bounced, decided;
	int errors = 0, r;

	bounced = bench_bounced(test, dev, m);
	decided = dma_bounce_decide(policy, dev, virt_to_phys(m->buf), m->len,
				    DMA_FROM_DEVICE, 0) != DMA_BOUNCE_NONE;
	KUNIT_ASSERT_EQ_MSG(test, bounced, decided, "%s under dma_bounce=%s",
			    m->name, dma_bounce_policy_name(policy));

	for (r = 0; r < BENCH_ROUNDS; r++) {
		t[r] = bench_map_unmap(dev, m, &errors);
		cond_resched();
	}
	KUNIT_ASSERT_EQ_MSG(test, errors, 0, "%s: %d mappings failed",
			    m->name, errors);
	kunit_info(test, "bench: policy=%s map+unmap %s %s %llu %s\n",
		   dma_bounce_policy_name(policy), m->name, how,
		   median(t, BENCH_ROUNDS), bounced ? "bounced" : "in-place");
}

/* The decision of every policy for @m, in alternate rounds. */
static void bench_report_decision(struct kunit *test, struct device *dev,
				  const struct bench_mapping *m)
{
	u64 t[BENCH_POLICIES][BENCH_ROUNDS], med[BENCH_POLICIES];
	u32 k, mis;
	int r, p;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		for (p = 0; p < BENCH_POLICIES; p++)
			t[p][r] = bench_decide(dev, bench_policies[p], m);
		cond_resched();
	}
	for (p = 0; p < BENCH_POLICIES; p++)
		med[p] = median(t[p], BENCH_ROUNDS);
	k = permille(med[1], med[0]);
	mis = permille(med[2], med[0]);
	kunit_info(test, "bench: decision %-15s off %6llu ns | kmalloc %6llu ns x%u.%03u | misaligned %6llu ns x%u.%03u\n",
		   m->name, med[0], med[1], k / 1000, k % 1000, med[2],
		   mis / 1000, mis % 1000);
}

static void bench_policy_cost(struct kunit *test)
{
	struct device *dev = noncoherent_test_device(test);
	struct scatterlist *sgl = kunit_kcalloc(test, BENCH_SG_ENTRIES, sizeof(*sgl),
						GFP_KERNEL);
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, sgl);
	for (i = 0; i < ARRAY_SIZE(bench_buffers); i++) {
		const struct bench_buffer *b = &bench_buffers[i];
		struct bench_mapping m = {
			.name = b->name, .len = b->len,
			.n = BENCH_POLICY_MAPPINGS,
		};

		sg_init_table(sgl, BENCH_SG_ENTRIES);
		for (j = 0; j < BENCH_SG_ENTRIES; j++)
			sg_set_buf(&sgl[j], bench_buffer_alloc(test, b), b->len);
		m.buf = sg_virt(&sgl[0]);

		bench_report_mapping(test, dev, &m, "single");

		m.sgl = sgl;
		m.nents = BENCH_SG_ENTRIES;
		bench_report_mapping(test, dev, &m, "sg-x4");
	}

	/* The same in every boot: the one booted with the default prints it. */
	if (dma_bounce_get_policy() != DMA_BOUNCE_POLICY_MISALIGNED)
		return;
	for (i = 0; i < ARRAY_SIZE(bench_decision_buffers); i++) {
		const struct bench_buffer *b = &bench_decision_buffers[i];
		struct bench_mapping m = {
			.name = b->name, .len = b->len, .n = BENCH_DECISIONS,
			.buf = bench_buffer_alloc(test, b),
		};

		bench_report_decision(test, dev, &m);
	}
}

/*
 * Small bounces in lines of a shared slot against bounces in slots of
 * their own, and against mappings in place: one device with a pool of its
 * own, the size of the default pool, all in alternate rounds. Buffers 8
 * bytes into a cache line, bounced under dma_bounce=misaligned; mapped in
 * place with DMA_ATTR_DEBUGGING_IGNORE_CACHELINES, as under
 * dma_bounce=off; and aligned buffers of the same size rounded up to whole
 * lines, which the policy maps in place after its fast path.
 */
static const size_t bench_lines_sizes[] = { 8, 40, 64, 1500 };

static void bench_lines_report(struct kunit *test, struct device *dev,
			       struct bench_mapping *bounced,
			       struct bench_mapping *in_place,
			       struct bench_mapping *aligned, const char *how)
{
	u64 t[4][BENCH_ROUNDS], med[4];
	int errors = 0, r, w;

	KUNIT_ASSERT_TRUE(test, bench_bounced(test, dev, bounced));
	KUNIT_ASSERT_FALSE(test, bench_bounced(test, dev, in_place));
	KUNIT_ASSERT_FALSE(test, bench_bounced(test, dev, aligned));
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t[0][r] = bench_map_unmap(dev, in_place, &errors);
		t[1][r] = bench_map_unmap(dev, aligned, &errors);
		KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, false));
		t[2][r] = bench_map_unmap(dev, bounced, &errors);
		KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, true));
		t[3][r] = bench_map_unmap(dev, bounced, &errors);
		cond_resched();
	}
	KUNIT_ASSERT_EQ(test, errors, 0);
	for (w = 0; w < 4; w++)
		med[w] = median(t[w], BENCH_ROUNDS);
	kunit_info(test, "bench: lines %zu-byte %s in-place %llu ns | aligned %llu ns | slots %llu ns x%u.%03u | lines %llu ns x%u.%03u | lines/slots %u.%03u | lines/aligned %u.%03u\n",
		   bounced->len, how, med[0], med[1], med[2],
		   permille(med[2], med[0]) / 1000, permille(med[2], med[0]) % 1000,
		   med[3], permille(med[3], med[0]) / 1000,
		   permille(med[3], med[0]) % 1000,
		   permille(med[3], med[2]) / 1000, permille(med[3], med[2]) % 1000,
		   permille(med[3], med[1]) / 1000, permille(med[3], med[1]) % 1000);
}

/* 8-byte bounces held at once until @dev's pool refuses one. */
static int bench_lines_hold(struct kunit *test, struct device *dev, u8 *buf,
			    dma_addr_t *dma, int max)
{
	unsigned int line = dma_get_cache_alignment();
	int n, held;

	for (n = 0; n < max; n++) {
		dma[n] = dma_map_single_attrs(dev, buf + (size_t)n * line + 8, 8,
					      DMA_FROM_DEVICE, DMA_ATTR_NO_WARN);
		if (dma_mapping_error(dev, dma[n]))
			break;
	}
	held = n;
	while (n--)
		dma_unmap_single(dev, dma[n], 8, DMA_FROM_DEVICE);
	return held;
}

static void bench_lines(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	unsigned long nslabs = dev->dma_io_tlb_mem->nslabs;
	struct scatterlist *sgl, *sgl_aligned;
	unsigned int line_size = swiotlb_test_line_size();
	int i, j, max, slots, lines;
	dma_addr_t *dma;
	u8 *buf;

	if (!line_size)
		kunit_skip(test, "small bounces take slots on this system");
	test_own_swiotlb_pool(test, dev, nslabs);
	sgl = kunit_kcalloc(test, BENCH_SG_ENTRIES, sizeof(*sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgl);
	sgl_aligned = kunit_kcalloc(test, BENCH_SG_ENTRIES, sizeof(*sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgl_aligned);

	for (i = 0; i < ARRAY_SIZE(bench_lines_sizes); i++) {
		size_t len = bench_lines_sizes[i];
		size_t whole = ALIGN(len, dma_get_cache_alignment());
		struct bench_mapping b = { .len = len, .n = BENCH_POLICY_MAPPINGS };
		struct bench_mapping p = b, a = b;

		p.attrs = DMA_ATTR_DEBUGGING_IGNORE_CACHELINES;
		a.len = whole;
		sg_init_table(sgl, BENCH_SG_ENTRIES);
		sg_init_table(sgl_aligned, BENCH_SG_ENTRIES);
		for (j = 0; j < BENCH_SG_ENTRIES; j++) {
			sg_set_buf(&sgl[j], test_kmalloc(test, 2048, GFP_KERNEL) + 8, len);
			/* kmalloc() aligns a power-of-two size to itself. */
			sg_set_buf(&sgl_aligned[j],
				   test_kmalloc(test, roundup_pow_of_two(whole),
						GFP_KERNEL), whole);
		}
		b.buf = sg_virt(sgl);
		p.buf = b.buf;
		a.buf = sg_virt(sgl_aligned);
		bench_lines_report(test, dev, &b, &p, &a, "single");
		b.sgl = sgl;
		b.nents = BENCH_SG_ENTRIES;
		p.sgl = b.sgl;
		p.nents = b.nents;
		a.sgl = sgl_aligned;
		a.nents = b.nents;
		bench_lines_report(test, dev, &b, &p, &a, "sg-x4");
	}

	/* As many 8-byte bounces as the pool holds, and one more. */
	max = nslabs * (IO_TLB_SIZE / line_size) + 1;
	dma = kunit_kcalloc(test, max, sizeof(*dma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dma);
	buf = test_kmalloc(test, (size_t)max * dma_get_cache_alignment(),
			   GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, false));
	slots = bench_lines_hold(test, dev, buf, dma, max);
	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, true));
	lines = bench_lines_hold(test, dev, buf, dma, max);
	kunit_info(test, "bench: lines held 8-byte bounces from a pool of %lu KiB: slots %d | lines %d x%u.%03u\n",
		   nslabs * IO_TLB_SIZE / SZ_1K, slots, lines,
		   permille(lines, slots) / 1000, permille(lines, slots) % 1000);
}

static struct kunit_case bounce_bench_cases[] = {
	KUNIT_CASE_SLOW(bench_counting),
	KUNIT_CASE_SLOW(bench_policy_cost),
	KUNIT_CASE_SLOW(bench_lines),
	{}
};

static struct kunit_suite bounce_bench_suite = {
	.name = "dma_bounce_bench",
	.test_cases = bounce_bench_cases,
};

kunit_test_suites(&bounce_bench_suite);

MODULE_DESCRIPTION("Benchmarks of bounce-on-misalignment DMA");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
