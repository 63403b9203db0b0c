// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of swiotlb's line slots: small bounces take whole cache lines
 * of a slot they share, instead of a 2 KiB slot each. Every test maps
 * through a pool of its own that bounces every mapping (as a restricted DMA
 * pool does), so the tests run the same on every architecture with
 * swiotlb, coherent or not, and never touch the shared pool.
 */
#include <linux/mm.h>
#include <linux/sort.h>

#include "dma_bounce_test.h"

/* The pool of the tests: 1 MiB, arm64's default on a 1 GiB machine. */
#define LINES_POOL_SLOTS	(SZ_1M >> IO_TLB_SHIFT)

/* The size of a line; the tests skip where small bounces take slots. */
static unsigned int lines_line_size(struct device *dev)
{
	return swiotlb_test_line_size();
}

/* A slot holds this many lines: 32 on every system the harness runs. */
static unsigned int lines_per_slot(struct device *dev)
{
	return IO_TLB_SIZE / lines_line_size(dev);
}

static void lines_pool_off(void *dev)
{
	swiotlb_dev_test_lines(dev, false);
}

/*
 * A device, non-coherent where the architecture allows, with a pool of
 * LINES_POOL_SLOTS slots that bounces everything, small bounces taking
 * lines (@lines) or slots.
 */
static struct device *lines_test_device(struct kunit *test, bool lines)
{
	struct device *dev;

	/* swiotlb=nolines, or cache lines too large to divide a slot */
	if (!swiotlb_test_line_size())
		kunit_skip(test, "no line slots (swiotlb=nolines, or DMA cache lines of %d bytes)",
			   dma_get_cache_alignment());
	dev = test_dma_device(test, "swiotlb-lines",
			      !IS_ENABLED(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE));
	test_own_swiotlb_pool(test, dev, LINES_POOL_SLOTS);
	dev->dma_io_tlb_mem->force_bounce = true;
	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, lines));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_pool_off,
							dev), 0);
	return dev;
}

/* Lines the pool's small bounces hold, slots the pool has given out. */
static long lines_used(struct device *dev)
{
	return atomic_long_read(&dev->dma_io_tlb_mem->lines_used);
}

static long slots_used(struct device *dev)
{
	return atomic_long_read(&dev->dma_io_tlb_mem->total_used);
}

/*
 * Memory for @n buffers, one cache line apart, @n up to what fits in
 * LINES_BUF_PAGES pages: one more than the pool has lines.
 */
struct lines_bufs {
	int nr_pages;
	struct page **pages;
	unsigned int line;
};

static void lines_bufs_free(void *data)
{
	struct lines_bufs *b = data;

	while (b->nr_pages)
		__free_page(b->pages[--b->nr_pages]);
	kvfree(b->pages);
}

static struct lines_bufs *lines_bufs_alloc(struct kunit *test,
					   struct device *dev, int n)
{
	struct lines_bufs *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	int pages;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->line = lines_line_size(dev);
	pages = DIV_ROUND_UP(n, PAGE_SIZE / b->line);
	b->pages = kvcalloc(pages, sizeof(*b->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->pages);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_bufs_free, b), 0);
	while (b->nr_pages < pages) {
		b->pages[b->nr_pages] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL_MSG(test, b->pages[b->nr_pages],
					  "no memory for %d pages", pages);
		b->nr_pages++;
	}
	return b;
}

/* Buffer @i: 8 bytes into its own cache line. */
static void *lines_buf(struct lines_bufs *b, int i)
{
	unsigned int per_page = PAGE_SIZE / b->line;

	return page_address(b->pages[i / per_page]) + (i % per_page) * b->line + 8;
}

/* Mappings a test holds at once, all unmapped when it ends. */
struct lines_held {
	struct device *dev;
	int nr;
	dma_addr_t *dma;
	size_t *len;
};

static void lines_unmap_held(void *data)
{
	struct lines_held *h = data;

	while (h->nr) {
		h->nr--;
		dma_unmap_single(h->dev, h->dma[h->nr], h->len[h->nr],
				 DMA_BIDIRECTIONAL);
	}
}

static struct lines_held *lines_held_alloc(struct kunit *test,
					   struct device *dev, int max)
{
	struct lines_held *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->dev = dev;
	h->dma = kunit_kcalloc(test, max, sizeof(*h->dma), GFP_KERNEL);
	h->len = kunit_kcalloc(test, max, sizeof(*h->len), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h->dma);
	KUNIT_ASSERT_NOT_NULL(test, h->len);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_unmap_held, h), 0);
	return h;
}

/* Map @len bytes at @buf, held by @h; false if the pool refuses. */
static bool lines_hold(struct lines_held *h, void *buf, size_t len)
{
	dma_addr_t dma = dma_map_single_attrs(h->dev, buf, len,
					      DMA_BIDIRECTIONAL,
					      DMA_ATTR_NO_WARN);

	if (dma_mapping_error(h->dev, dma))
		return false;
	h->dma[h->nr] = dma;
	h->len[h->nr++] = len;
	return true;
}

/*
 * Map 8-byte buffers of @b until the pool refuses one; how many it took.
 * On one CPU: each CPU takes lines from a slot of its own, so a test that
 * moved to another CPU would leave the free lines of the first one's slot
 * to that CPU, and hold fewer than the pool has.
 */
static int lines_hold_until_refused(struct kunit *test, struct device *dev,
				    struct lines_bufs *b, int max)
{
	struct lines_held *h = lines_held_alloc(test, dev, max);
	int n;

	migrate_disable();
	while (h->nr < max && lines_hold(h, lines_buf(b, h->nr), 8))
		;
	migrate_enable();
	n = h->nr;
	lines_unmap_held(h);
	return n;
}

/*
 * The figure of the issue: from the same 1 MiB pool, 8-byte bounces held
 * at once until the pool refuses one, taking slots and taking lines.
 */
static void lines_hold_16x(struct kunit *test)
{
	struct device *dev = lines_test_device(test, false);
	int max = LINES_POOL_SLOTS * lines_per_slot(dev) + 1;
	struct lines_bufs *b = lines_bufs_alloc(test, dev, max);
	int slots, lines;

	slots = lines_hold_until_refused(test, dev, b, max);
	KUNIT_EXPECT_EQ_MSG(test, slots, LINES_POOL_SLOTS,
			    "8-byte bounces in slots of a %d-slot pool",
			    LINES_POOL_SLOTS);

	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_lines(dev, true));
	lines = lines_hold_until_refused(test, dev, b, max);
	kunit_info(test, "8-byte bounces held from a %d KiB pool: %d in slots, %d in %u-byte lines (x%d)\n",
		   LINES_POOL_SLOTS * IO_TLB_SIZE / SZ_1K, slots, lines,
		   lines_line_size(dev), lines / max(slots, 1));
	KUNIT_EXPECT_GE_MSG(test, lines, 16 * slots,
			    "8-byte bounces in lines of a %d-slot pool",
			    LINES_POOL_SLOTS);
	/* Every line of every slot: no slot is left half used. */
	KUNIT_EXPECT_EQ(test, lines, LINES_POOL_SLOTS * lines_per_slot(dev));
	KUNIT_EXPECT_EQ(test, lines_used(dev), 0);
}

struct lines_case {
	size_t len;
	size_t offset;		/* of the buffer in its cache line */
	enum dma_data_direction dir;
	unsigned long attrs;
};

static const struct lines_case lines_cases[] = {
	{ 1,	0,	DMA_FROM_DEVICE },
	{ 8,	8,	DMA_FROM_DEVICE },
	{ 40,	8,	DMA_FROM_DEVICE },
	{ 64,	0,	DMA_FROM_DEVICE },
	{ 64,	8,	DMA_FROM_DEVICE },
	{ 65,	63,	DMA_BIDIRECTIONAL },
	{ 200,	8,	DMA_FROM_DEVICE },
	{ 256,	0,	DMA_BIDIRECTIONAL },
	{ 257,	0,	DMA_FROM_DEVICE },	/* past 4 lines: a slot */
	{ 1500,	8,	DMA_FROM_DEVICE },	/* a slot */
	{ 40,	8,	DMA_TO_DEVICE },
	/* The caller synced it: unmap copies nothing back, lines or slot. */
	{ 8,	8,	DMA_FROM_DEVICE,	DMA_ATTR_SKIP_CPU_SYNC },
	{ 1500,	8,	DMA_FROM_DEVICE,	DMA_ATTR_SKIP_CPU_SYNC },
};

static void lines_case_desc(const struct lines_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes at +%zu %s%s", c->len,
		 c->offset, dir_name(c->dir),
		 c->attrs & DMA_ATTR_SKIP_CPU_SYNC ? " skip-cpu-sync" : "");
}

KUNIT_ARRAY_PARAM(lines, lines_cases, lines_case_desc);

#define LINES_GUARD	64

/*
 * A bounce takes lines if it fits in 4 of them, starting on a line; the
 * device's data comes back exactly, unless the caller said it syncs for
 * itself, and the bytes around the buffer are never touched, in either
 * direction.
 */
static void lines_round_trip(struct kunit *test)
{
	const struct lines_case *c = test->param_value;
	struct device *dev = lines_test_device(test, true);
	unsigned int line = lines_line_size(dev);
	size_t alloc = ALIGN(c->offset + c->len, line) + 2 * LINES_GUARD;
	u8 *mem = test_kmalloc(test, alloc, GFP_KERNEL);
	u8 *buf = PTR_ALIGN(mem + LINES_GUARD, line) + c->offset;
	bool small = c->len <= 4 * line;
	bool copied_back = c->dir != DMA_TO_DEVICE &&
			   !(c->attrs & DMA_ATTR_SKIP_CPU_SYNC);
	long before = lines_used(dev);
	phys_addr_t slot;
	dma_addr_t dma;
	size_t i;
	u8 *dev_view;

	memset(mem, 0xa5, alloc);
	for (i = 0; i < c->len; i++)
		buf[i] = i;
	dma = test_map_single_attrs(test, dev, buf, c->len, c->dir, c->attrs);
	slot = dma_to_phys(dev, dma);
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, dma));
	KUNIT_EXPECT_EQ_MSG(test, lines_used(dev) - before,
			    small ? (long)DIV_ROUND_UP(c->len, line) : 0,
			    "lines held by a %zu-byte bounce", c->len);
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(slot, small ? line : IO_TLB_SIZE),
			      "bounce at %pa", &slot);

	/* The device sees the buffer, and writes its own data. */
	dev_view = phys_to_virt(slot);
	for (i = 0; i < c->len; i++)
		KUNIT_ASSERT_EQ_MSG(test, dev_view[i], (u8)i, "byte %zu of the bounce", i);
	for (i = 0; i < c->len; i++)
		dev_view[i] = ~i;
	test_unmap_single(test, dev, dma);
	KUNIT_EXPECT_EQ(test, lines_used(dev), before);

	for (i = 0; i < c->len; i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i], copied_back ? (u8)~i : (u8)i,
				    "byte %zu of %zu after unmap", i, c->len);
	for (i = 0; i < buf - mem; i++)
		KUNIT_ASSERT_EQ_MSG(test, mem[i], 0xa5, "byte %zu before the buffer",
				    buf - mem - i);
	for (i = buf + c->len - mem; i < alloc; i++)
		KUNIT_ASSERT_EQ_MSG(test, mem[i], 0xa5, "byte %zu after the buffer",
				    i - (buf + c->len - mem));
}

struct lines_span {
	dma_addr_t start;
	size_t len;
};

static int cmp_span(const void *a, const void *b)
{
	dma_addr_t x = ((const struct lines_span *)a)->start;
	dma_addr_t y = ((const struct lines_span *)b)->start;

	return x < y ? -1 : x > y;
}

/*
 * Bounces of 1 to 4 lines held at once never share a cache line: the
 * cache maintenance of one never reaches another's data. Their sizes
 * cycle so that the slots fill with runs of every length.
 */
static void lines_never_share(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	unsigned int line = lines_line_size(dev), max_len = 4 * line;
	int n = 4 * lines_per_slot(dev), i;
	struct lines_bufs *b = lines_bufs_alloc(test, dev, 4 * n);
	struct lines_held *h = lines_held_alloc(test, dev, n);
	struct lines_span *span = kunit_kcalloc(test, n, sizeof(*span), GFP_KERNEL);
	long lines = 0;

	KUNIT_ASSERT_NOT_NULL(test, span);
	/* buffers 4 lines apart, each up to 4 lines */
	for (i = 0; i < n; i++) {
		size_t len = 1 + (i * 37) % max_len;

		KUNIT_ASSERT_TRUE_MSG(test, lines_hold(h, lines_buf(b, 4 * i), len),
				      "bounce %d of %zu bytes", i, len);
		span[i].start = h->dma[i];
		span[i].len = len;
		lines += DIV_ROUND_UP(len, line);
	}
	KUNIT_EXPECT_EQ(test, lines_used(dev), lines);

	sort(span, n, sizeof(*span), cmp_span, NULL);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(span[i].start, line),
				      "bounce at %pad", &span[i].start);
		if (i + 1 < n)
			KUNIT_EXPECT_LE_MSG(test, ALIGN(span[i].start + span[i].len, line),
					    span[i + 1].start,
					    "%zu bytes at %pad", span[i].len,
					    &span[i].start);
	}
	lines_unmap_held(h);
	KUNIT_EXPECT_EQ(test, lines_used(dev), 0);
}

/*
 * A sync of part of a bounce of several lines copies that part only, from
 * the right place: the lines after the first know where they bounce.
 */
static void lines_partial_sync(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	unsigned int line = lines_line_size(dev);
	size_t len = 3 * line + 20, off = line + 10, part = line;
	u8 *buf = test_kmalloc(test, len + 8, GFP_KERNEL) + 8;
	u8 *dev_view;
	dma_addr_t dma;
	size_t i;

	memset(buf, 0x11, len);
	dma = test_map_single(test, dev, buf, len, DMA_FROM_DEVICE);
	dev_view = phys_to_virt(dma_to_phys(dev, dma));
	memset(dev_view, 0x22, len);
	dma_sync_single_range_for_cpu(dev, dma, off, part, DMA_FROM_DEVICE);
	for (i = 0; i < len; i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i],
				    i >= off && i < off + part ? 0x22 : 0x11,
				    "byte %zu after syncing %zu bytes at %zu", i,
				    part, off);
	dma_sync_single_range_for_device(dev, dma, off, part, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, dma);
	for (i = 0; i < len; i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i], 0x22, "byte %zu after unmap", i);
}

/*
 * A device whose min_align_mask asks swiotlb to keep the offset of the
 * original (NVMe) takes a slot, with the offset kept.
 */
static void lines_min_align_mask(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL) + 8;
	long before = lines_used(dev);
	phys_addr_t slot;
	dma_addr_t dma;

	dev->dma_parms = kunit_kzalloc(test, sizeof(*dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->dma_parms);
	dma_set_min_align_mask(dev, SZ_4K - 1);
	dma = test_map_single(test, dev, buf, 8, DMA_FROM_DEVICE);
	slot = dma_to_phys(dev, dma);
	KUNIT_EXPECT_EQ(test, lines_used(dev), before);
	KUNIT_EXPECT_EQ_MSG(test, slot & (IO_TLB_SIZE - 1),
			    virt_to_phys(buf) & (IO_TLB_SIZE - 1),
			    "bounce at %pa of %p", &slot, buf);
	test_unmap_single(test, dev, dma);
}

/*
 * The slots that small bounces took go back to the pool with their last
 * bounce, except the one each CPU holds to take lines from; and the slot a
 * CPU held goes back with the pool.
 */
static void lines_slots_come_back(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	int max = 3 * lines_per_slot(dev) + 1;
	struct lines_bufs *b = lines_bufs_alloc(test, dev, max);
	struct lines_held *h = lines_held_alloc(test, dev, max);

	while (h->nr < max)
		KUNIT_ASSERT_TRUE(test, lines_hold(h, lines_buf(b, h->nr), 8));
	/* 3 full slots and one line of a fourth, at least */
	KUNIT_EXPECT_GE(test, slots_used(dev), 4);
	lines_unmap_held(h);
	KUNIT_EXPECT_EQ(test, lines_used(dev), 0);
	KUNIT_EXPECT_LE_MSG(test, slots_used(dev), num_possible_cpus(),
			    "slots still used with no bounce");
}

/*
 * Threads on every CPU map and unmap small bounces of their own buffers at
 * once, checking each one's data: the lines of a slot taken on one CPU
 * and freed on another, slots changing hands.
 */
#define LINES_THREAD_ROUNDS	2000

struct lines_thread {
	struct device *dev;
	u8 *buf;
	unsigned int line;
	int errors;
	struct completion done;
};

static int lines_thread_fn(void *data)
{
	struct lines_thread *t = data;
	int r;

	for (r = 0; r < LINES_THREAD_ROUNDS && !kthread_should_stop(); r++) {
		size_t len = 1 + r % (4 * t->line);
		u8 *buf = t->buf + 8;
		dma_addr_t dma;
		u8 *dev_view;

		memset(buf, r, len);
		dma = dma_map_single(t->dev, buf, len, DMA_FROM_DEVICE);
		if (dma_mapping_error(t->dev, dma)) {
			t->errors++;
			continue;
		}
		dev_view = phys_to_virt(dma_to_phys(t->dev, dma));
		if (dev_view[0] != (u8)r || dev_view[len - 1] != (u8)r)
			t->errors++;
		memset(dev_view, ~r, len);
		dma_unmap_single(t->dev, dma, len, DMA_FROM_DEVICE);
		if (buf[0] != (u8)~r || buf[len - 1] != (u8)~r)
			t->errors++;
		cond_resched();
	}
	complete(&t->done);
	return test_thread_park();
}

static void lines_threads(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	int nr = min(num_online_cpus(), 8U), i, errors = 0;
	struct lines_thread *t = kunit_kcalloc(test, nr, sizeof(*t), GFP_KERNEL);
	struct task_struct **task = kunit_kcalloc(test, nr, sizeof(*task), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, task);
	for (i = 0; i < nr; i++) {
		t[i].dev = dev;
		t[i].line = lines_line_size(dev);
		t[i].buf = test_kmalloc(test, 8 + 4 * t[i].line, GFP_KERNEL);
		init_completion(&t[i].done);
		task[i] = test_start_thread(test, lines_thread_fn, &t[i], i);
	}
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&t[i].done, 300 * HZ),
				      "thread %d did not finish", i);
		kunit_release_action(test, test_thread_stop, task[i]);
		errors += t[i].errors;
	}
	KUNIT_EXPECT_EQ_MSG(test, errors, 0, "%d threads, %d rounds each", nr,
			    LINES_THREAD_ROUNDS);
	KUNIT_EXPECT_EQ(test, lines_used(dev), 0);
}

static struct kunit_case lines_test_cases[] = {
	KUNIT_CASE_SLOW(lines_hold_16x),
	KUNIT_CASE_PARAM(lines_round_trip, lines_gen_params),
	KUNIT_CASE(lines_never_share),
	KUNIT_CASE(lines_partial_sync),
	KUNIT_CASE(lines_min_align_mask),
	KUNIT_CASE(lines_slots_come_back),
	KUNIT_CASE_SLOW(lines_threads),
	{}
};

static struct kunit_suite lines_test_suite = {
	.name = "dma_bounce_lines",
	.test_cases = lines_test_cases,
};

kunit_test_suites(&lines_test_suite);

MODULE_DESCRIPTION("KUnit tests of swiotlb's line slots for small bounces");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
