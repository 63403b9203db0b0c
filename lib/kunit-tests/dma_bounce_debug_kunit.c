// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for dma-debug's cache line tracking: which inbound mappings
 * that share a cache line it reports, on coherent and non-coherent devices.
 */

#include <linux/dma-map-ops.h>
#include <linux/vmalloc.h>
#ifdef CONFIG_SWIOTLB_XEN
#include <xen/swiotlb-xen.h>
#endif

#include <linux/tracepoint.h>
#include <trace/events/dma_bounce.h>

#include "dma_bounce_kunit.h"
#include "../../kernel/dma/debug.h"

/*
 * dma-debug reports inbound mappings that share a cache line, unless both
 * can: bounced, or, on a coherent device, bounced on a non-coherent system.
 */
static struct device *debug_test_device(struct kunit *test, bool coherent)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "CONFIG_DMA_API_DEBUG is not set");
	if (!debug_dma_active())
		kunit_skip(test, "dma-debug is off (dma_debug=off, or it ran out of entries)");

	dev = test_dma_device(test, "dma-debug-test", coherent);
	if (!coherent && !IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED))
		kunit_skip(test, "no non-coherent DMA with swiotlb bouncing on this architecture");
	if (!coherent && dma_bounce_get_policy() != DMA_BOUNCE_POLICY_MISALIGNED)
		kunit_skip(test, "booted with dma_bounce=%s",
			   dma_bounce_policy_name(dma_bounce_get_policy()));
	/* The expectations are those of small kmalloc() objects sharing lines. */
	if (kmalloc_size_roundup(8) != 8)
		kunit_skip(test, "kmalloc() is %zu-byte aligned (dma_bounce=%s)",
			   kmalloc_size_roundup(8),
			   dma_bounce_policy_name(dma_bounce_get_policy()));
	return dev;
}

struct debug_map {
	size_t offset;
	size_t len;
	enum dma_data_direction dir;
	unsigned long attrs;
};

struct debug_case {
	const char *name;
	size_t lines;			/* buffer size, in cache lines */
	struct debug_map map[2];	/* offsets and lengths in bytes */
	bool bounced[2];		/* on a non-coherent device */
	unsigned int errors;		/* what dma-debug reports */
};

/* Byte counts below are for L = 64; debug_scale() adapts them to L. */
static const struct debug_case debug_cases[] = {
	{ "same lines mapped inbound twice", 2,
	  { { 0, 128, DMA_FROM_DEVICE }, { 0, 128, DMA_FROM_DEVICE } },
	  { false, false }, 1 },
	{ "overlap on the last line only", 4,
	  { { 0, 192, DMA_FROM_DEVICE }, { 128, 128, DMA_BIDIRECTIONAL } },
	  { false, false }, 1 },
	{ "bounced next to unbounced", 2,
	  { { 0, 64, DMA_FROM_DEVICE }, { 72, 16, DMA_FROM_DEVICE } },
	  { false, true }, 0 },
	{ "two small buffers in one line", 1,
	  { { 0, 8, DMA_FROM_DEVICE }, { 8, 8, DMA_FROM_DEVICE } },
	  { true, true }, 0 },
	{ "same lines mapped outbound twice", 2,
	  { { 0, 128, DMA_TO_DEVICE }, { 0, 128, DMA_TO_DEVICE } },
	  { false, false }, 0 },
	{ "second mapping skips CPU sync", 2,
	  { { 0, 128, DMA_FROM_DEVICE },
	    { 0, 128, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC } },
	  { false, false }, 0 },
	/*
	 * Sharers that all promise to keep the lines clean, lines of the one
	 * object that holds them both: made in place, and not reported, as
	 * in mainline.
	 */
	{ "two small buffers in one line, both IGNORE_CACHELINES", 1,
	  { { 0, 8, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES },
	    { 8, 8, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES } },
	  { false, false }, 0 },
	{ "same lines inbound twice, both IGNORE_CACHELINES", 2,
	  { { 0, 128, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES },
	    { 0, 128, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES } },
	  { false, false }, 0 },
	/*
	 * Small buffers may share a line with their neighbours, but the same
	 * one mapped inbound twice is a bug whether bounced or not.
	 */
	{ "same small buffer mapped inbound twice", 1,
	  { { 8, 16, DMA_FROM_DEVICE }, { 8, 16, DMA_FROM_DEVICE } },
	  { true, true }, 1 },
	{ "same small buffer mapped outbound twice", 1,
	  { { 8, 16, DMA_TO_DEVICE }, { 8, 16, DMA_TO_DEVICE } },
	  { false, false }, 0 },
};

struct debug_param {
	const struct debug_case *c;
	bool coherent;
};

static const struct debug_param debug_params[] = {
	{ &debug_cases[0], false }, { &debug_cases[0], true },
	{ &debug_cases[1], false }, { &debug_cases[1], true },
	{ &debug_cases[2], false }, { &debug_cases[2], true },
	{ &debug_cases[3], false }, { &debug_cases[3], true },
	{ &debug_cases[4], false }, { &debug_cases[4], true },
	{ &debug_cases[5], false }, { &debug_cases[5], true },
	{ &debug_cases[6], false }, { &debug_cases[6], true },
	{ &debug_cases[7], false }, { &debug_cases[7], true },
	{ &debug_cases[8], false }, { &debug_cases[8], true },
	{ &debug_cases[9], false }, { &debug_cases[9], true },
};

static_assert(ARRAY_SIZE(debug_params) == 2 * ARRAY_SIZE(debug_cases));

static void debug_param_desc(const struct debug_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s device", p->c->name,
		 p->coherent ? "coherent" : "non-coherent");
}

KUNIT_ARRAY_PARAM(debug, debug_params, debug_param_desc);

/* The granularity dma-debug tracks lines at: the DMA line, or a CPU line. */
static unsigned int debug_line_size(void)
{
	return max_t(unsigned int, dma_get_cache_alignment(), L1_CACHE_BYTES);
}

static size_t debug_scale(size_t bytes)
{
	return bytes * debug_line_size() / 64;
}

static void debug_overlap(struct kunit *test)
{
	const struct debug_param *p = test->param_value;
	const struct debug_case *c = p->c;
	struct device *dev = debug_test_device(test, p->coherent);
	dma_addr_t dma[2];
	u32 before;
	u8 *buf;
	int i;

	buf = test_kmalloc(test, debug_scale(64 * c->lines),
			   GFP_KERNEL | __GFP_ZERO);

	before = debug_dma_error_count();
	for (i = 0; i < 2; i++) {
		const struct debug_map *m = &c->map[i];

		dma[i] = test_map_single_attrs(test, dev, buf + debug_scale(m->offset),
					       debug_scale(m->len), m->dir, m->attrs);
		KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, dma[i]),
				    c->bounced[i] && !p->coherent,
				    "mapping %d of %s", i, c->name);
	}
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, c->errors,
			    "%s, %s device: dma-debug errors",
			    c->name, p->coherent ? "coherent" : "non-coherent");

	for (i = 1; i >= 0; i--)
		test_unmap_single(test, dev, dma[i]);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, c->errors,
			    "%s: unmap reported errors", c->name);
}

/*
 * Two kmalloc(8) objects in one line, like the USB hub's buffer and status.
 * The slab may hand out objects in any order: allocate until two share a
 * line, keeping the others until the test ends.
 */
static void debug_kmalloc_neighbours(struct kunit *test)
{
	bool coherent = *(const bool *)test->param_value;
	struct device *dev = debug_test_device(test, coherent);
	unsigned int line = debug_line_size();
	struct held_objs *objs = held_objs_alloc(test);
	dma_addr_t dma_a, dma_b;
	u8 *a = NULL, *b = NULL;
	u32 before;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	while (!b && objs->nr < MAX_HELD_OBJS) {
		void *obj = kmalloc(8, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		for (i = 0; i < objs->nr && !b; i++) {
			if (ALIGN_DOWN((unsigned long)objs->obj[i], line) ==
			    ALIGN_DOWN((unsigned long)obj, line)) {
				a = objs->obj[i];
				b = obj;
			}
		}
		objs->obj[objs->nr++] = obj;
	}
	/* Debug kernels may space them a line or more apart. */
	if (!b && held_objs_stride(objs) >= line)
		kunit_skip(test,
			   "kmalloc(8) objects are %lu bytes apart in this slab layout: none share a %u-byte line",
			   held_objs_stride(objs), line);
	KUNIT_ASSERT_NOT_NULL_MSG(test, b, "no two of %d kmalloc(8) objects share a %u-byte line",
				  MAX_HELD_OBJS, line);

	before = debug_dma_error_count();
	dma_a = test_map_single(test, dev, a, 8, DMA_FROM_DEVICE);
	dma_b = test_map_single(test, dev, b, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, is_bounced(dev, dma_a), !coherent);
	KUNIT_EXPECT_EQ(test, is_bounced(dev, dma_b), !coherent);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count(), before,
			    "kmalloc(8) at %p and %p reported", a, b);
	test_unmap_single(test, dev, dma_b);
	test_unmap_single(test, dev, dma_a);
}

static const bool coherence[] = { false, true };

static void coherence_desc(const bool *coherent, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s device",
		 *coherent ? "coherent" : "non-coherent");
}

KUNIT_ARRAY_PARAM(coherence, coherence, coherence_desc);

/* Unmapping a bounced mapping with the wrong size is still an error. */
static void debug_bounced_wrong_size(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t dma;
	u32 before;

	/* Unmapped by hand below, with the wrong size: no resource owns it. */
	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	if (!is_bounced(dev, dma)) {
		dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
		KUNIT_FAIL_AND_ABORT(test, "40 bytes at +8 were mapped in place");
	}

	before = debug_dma_error_count();
	dma_unmap_single(dev, dma, 32, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);
}

/*
 * Syncs of a bounced mapping are matched to it through its slot: syncs of
 * the mapping pass, a sync in the other direction is an error. (A sync past
 * its end would be one too, but swiotlb WARNs about it first.)
 */
static void debug_bounced_sync(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t dma;
	u32 before;

	dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, dma));

	before = debug_dma_error_count();
	dma_sync_single_for_cpu(dev, dma, 40, DMA_FROM_DEVICE);
	dma_sync_single_for_device(dev, dma + 8, 32, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 0);

	dma_sync_single_for_cpu(dev, dma, 40, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);

	test_unmap_single(test, dev, dma);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);
}

/* The line size dma-debug tracks: the DMA line, at least a CPU line. */
static unsigned int debug_line(void)
{
	return max_t(unsigned int, dma_get_cache_alignment(), L1_CACHE_BYTES);
}

/*
 * A line that one mapping shares with another is not judged by a mapping
 * that was unmapped meanwhile: two small neighbours, which may share, hold
 * the line; the first is unmapped and its dma-debug entry taken by a
 * mapping of whole lines elsewhere, which may not share; a third small
 * neighbour arrives. Only the live neighbour counts: no report.
 */
static void debug_unmapped_sharer(struct kunit *test)
{
	struct device *dev = debug_test_device(test, true);
	unsigned int line = debug_line();
	u8 *buf = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	u8 *whole = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t first, second, other, third;
	u32 before;

	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)buf, line));
	before = debug_dma_error_count();
	first = test_map_single(test, dev, buf, 8, DMA_FROM_DEVICE);
	second = test_map_single(test, dev, buf + 8, 8, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, first);
	other = test_map_single(test, dev, whole, line, DMA_FROM_DEVICE);
	third = test_map_single(test, dev, buf + 16, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "a small neighbour was reported after the first one was unmapped");

	test_unmap_single(test, dev, third);
	test_unmap_single(test, dev, other);
	test_unmap_single(test, dev, second);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 0);
}

struct merged_sg {
	struct device *dev;
	struct scatterlist *sgl;
};

static void merged_sg_unmap(void *data)
{
	struct merged_sg *m = data;

	debug_dma_unmap_sg(m->dev, m->sgl, 2, DMA_FROM_DEVICE, 0);
}

/*
 * An IOMMU may merge CPU segments into one DMA segment. dma-debug pairs
 * DMA segment 0 with CPU segment 0: its lines are those of CPU segment 0,
 * not of the merged length counted from it, which reaches memory the list
 * never maps. Here, the line right after segment 0, mapped on its own.
 */
static void debug_merged_sg(struct kunit *test)
{
	struct device *dev = debug_test_device(test, true);
	unsigned int line = debug_line();
	u8 *a = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	u8 *b = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	struct merged_sg *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	dma_addr_t next;
	u32 before;

	/* Without it, a DMA segment is its CPU segment: nothing merges. */
	if (!IS_ENABLED(CONFIG_NEED_SG_DMA_LENGTH))
		kunit_skip(test, "no DMA length of its own (CONFIG_NEED_SG_DMA_LENGTH)");
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->dev = dev;
	m->sgl = kunit_kcalloc(test, 2, sizeof(*m->sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->sgl);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)a, line));
	sg_init_table(m->sgl, 2);
	sg_set_buf(&m->sgl[0], a, line);
	sg_set_buf(&m->sgl[1], b, line);
	/* What an IOMMU makes of them: one DMA segment of both. */
	sg_dma_address(&m->sgl[0]) = phys_to_dma(dev, virt_to_phys(a));
	sg_dma_len(&m->sgl[0]) = 2 * line;

	before = debug_dma_error_count();
	debug_dma_map_sg(dev, m->sgl, 2, 1, DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, merged_sg_unmap, m), 0);

	next = test_map_single(test, dev, a + line, line, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, next);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "the line after a merged segment was reported as shared with it");

	kunit_release_action(test, merged_sg_unmap, m);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "unmapping the merged list was an error");
}

/*
 * dma-debug tracks the lines of the memory the device accesses, for
 * dma_map_ops it can see through: swiotlb-xen translates its DMA addresses
 * back to this domain's memory, the slot of a bounce included. On a
 * system that is no Xen guest, its translations are the identity, and it
 * bounces what the policy bounces.
 */
static void debug_xen_swiotlb(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = debug_line();
	u8 *buf = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t a, b;
	u32 before;

	if (!IS_ENABLED(CONFIG_SWIOTLB_XEN))
		kunit_skip(test, "CONFIG_SWIOTLB_XEN is not set");
#ifdef CONFIG_SWIOTLB_XEN
	set_dma_ops(dev, &xen_swiotlb_dma_ops);
#endif

	/* Two small neighbours, both bounced: no report. */
	before = debug_dma_error_count();
	a = test_map_single(test, dev, buf + 8, 16, DMA_FROM_DEVICE);
	b = test_map_single(test, dev, buf + 32, 16, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, is_bounced(dev, a));
	KUNIT_EXPECT_TRUE(test, is_bounced(dev, b));
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "neighbours swiotlb-xen bounced were reported");
	test_unmap_single(test, dev, b);
	test_unmap_single(test, dev, a);

	/* The same whole lines twice, in place: reported. */
	before = debug_dma_error_count();
	a = test_map_single(test, dev, buf, 2 * line, DMA_FROM_DEVICE);
	b = test_map_single(test, dev, buf, 2 * line, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, is_bounced(dev, a));
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 1,
			    "the same lines mapped twice through swiotlb-xen");
	test_unmap_single(test, dev, b);
	test_unmap_single(test, dev, a);
	set_dma_ops(dev, NULL);
}

/*
 * dma_map_ops that dma-debug cannot see through: these bounce into memory
 * of their own, which the DMA address points to. The lines of what the
 * CPU mapped are not what the device accesses: they are not tracked.
 */
static dma_addr_t opaque_map_phys(struct device *dev, phys_addr_t phys,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	return phys_to_dma(dev, virt_to_phys(dev_get_drvdata(dev)));
}

static void opaque_unmap_phys(struct device *dev, dma_addr_t dma, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
}

static const struct dma_map_ops opaque_ops = {
	.map_phys	= opaque_map_phys,
	.unmap_phys	= opaque_unmap_phys,
};

static void debug_opaque_ops(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = debug_line();
	u8 *buf = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t a, b;
	u32 before;

	if (!IS_ENABLED(CONFIG_ARCH_HAS_DMA_OPS))
		kunit_skip(test, "no dma_map_ops of a device's own (CONFIG_ARCH_HAS_DMA_OPS)");
	dev_set_drvdata(dev, test_kmalloc(test, PAGE_SIZE, GFP_KERNEL));
	set_dma_ops(dev, &opaque_ops);

	before = debug_dma_error_count();
	a = test_map_single(test, dev, buf + 8, 16, DMA_FROM_DEVICE);
	b = test_map_single(test, dev, buf + 32, 16, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "neighbours that other dma_map_ops mapped were reported");
	test_unmap_single(test, dev, b);
	test_unmap_single(test, dev, a);
	set_dma_ops(dev, NULL);
}

/*
 * The hazard detector: the CPU writes a byte next to a 40-byte inbound
 * mapping 8 bytes into a line while the device owns it. Made in place
 * (DMA_ATTR_DEBUGGING_IGNORE_CACHELINES on a non-coherent device, or a
 * coherent device under audit mode), that is reported once, with the byte,
 * as a hazard, not as a dma-debug error; bounced, it counts as a bounce
 * that protected a write.
 */
#define NO_WRITE	INT_MIN

struct hazard_case {
	const char *name;
	bool coherent;		/* under audit mode, 128-byte lines */
	unsigned long attrs;
	enum dma_data_direction dir;
	int write;		/* the byte the CPU writes, from the mapping's start */
	bool cpu_owns;		/* written between sync_for_cpu and sync_for_device */
	bool bounced;
	unsigned int hazards;		/* what the detector reports */
	enum dma_bounce_stat stat;	/* the counter that moves, if any */
};

#define IGNORE	DMA_ATTR_DEBUGGING_IGNORE_CACHELINES

static const struct hazard_case hazard_cases[] = {
	{ "in place, CPU writes the byte before it", false, IGNORE, DMA_FROM_DEVICE,
	  -4, false, false, 1, DMA_BOUNCE_STAT_HAZARD },
	{ "in place, CPU writes a byte after it", false, IGNORE, DMA_FROM_DEVICE,
	  44, false, false, 1, DMA_BOUNCE_STAT_HAZARD },
	{ "in place, bidirectional, CPU writes before it", false, IGNORE,
	  DMA_BIDIRECTIONAL, -8, false, false, 1, DMA_BOUNCE_STAT_HAZARD },
	{ "in place, no write", false, IGNORE, DMA_FROM_DEVICE,
	  NO_WRITE, false, false, 0, DMA_BOUNCE_NR_STATS },
	{ "in place, outbound, CPU writes before it", false, IGNORE, DMA_TO_DEVICE,
	  -4, false, false, 0, DMA_BOUNCE_NR_STATS },
	{ "in place, CPU writes while it owns the mapping", false, IGNORE,
	  DMA_FROM_DEVICE, -4, true, false, 0, DMA_BOUNCE_NR_STATS },
	{ "bounced, CPU writes the byte before it", false, 0, DMA_FROM_DEVICE,
	  -4, false, true, 0, DMA_BOUNCE_STAT_PROTECTIVE },
	{ "bounced, no write", false, 0, DMA_FROM_DEVICE,
	  NO_WRITE, false, true, 0, DMA_BOUNCE_STAT_PRECAUTIONARY },
	/*
	 * Either policy would bounce the mapping on a non-coherent system
	 * without IGNORE_CACHELINES: see debug_hazard_audit_bounced().
	 */
	{ "coherent under audit mode, CPU writes before it", true, IGNORE,
	  DMA_FROM_DEVICE, -4, false, false, 1, DMA_BOUNCE_STAT_HAZARD },
	{ "coherent under audit mode, no write", true, IGNORE, DMA_FROM_DEVICE,
	  NO_WRITE, false, false, 0, DMA_BOUNCE_NR_STATS },
};

static void hazard_case_desc(const struct hazard_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(hazard, hazard_cases, hazard_case_desc);

/*
 * A hazard is counted in dma-api/hazard_count, not as a dma-debug error:
 * those are WARNs (panic_on_warn), and dma-debug shows only the first one
 * by default, which a hazard must not use up. Here a 40-byte mapping 8
 * bytes into a line, made in place under IGNORE_CACHELINES, while the CPU
 * writes the byte before it.
 */
static void debug_hazard_not_an_error(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	unsigned int hazards;
	dma_addr_t dma;
	u32 before;
	u8 *buf;

	/* A power of two is aligned to it: the mapping is 8 bytes into a line. */
	buf = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	dma = test_map_single_attrs(test, dev, buf + 8, 40, DMA_FROM_DEVICE, IGNORE);
	KUNIT_ASSERT_FALSE_MSG(test, is_bounced(dev, dma),
			       "40 bytes at +8 under IGNORE_CACHELINES were bounced");
	WRITE_ONCE(buf[4], 0xa5);
	test_unmap_single(test, dev, dma);

	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 1,
			    "CPU write at -4 of 40 bytes at +8 in a %u-byte line: dma-api/hazard_count",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "CPU write at -4 of 40 bytes at +8 in a %u-byte line counted as a dma-debug error",
			    line);
}

/*
 * A = [0, 8) and B = [8, 16) of @buf, which starts a line the object
 * holding it owns, mapped inbound in place under IGNORE_CACHELINES.
 */
static void map_neighbours(struct kunit *test, struct device *dev, u8 *buf,
			   dma_addr_t *a, dma_addr_t *b)
{
	*a = test_map_single_attrs(test, dev, buf, 8, DMA_FROM_DEVICE, IGNORE);
	*b = test_map_single_attrs(test, dev, buf + 8, 8, DMA_FROM_DEVICE, IGNORE);
	KUNIT_ASSERT_FALSE(test, is_bounced(dev, *a));
	KUNIT_ASSERT_FALSE(test, is_bounced(dev, *b));
}

/*
 * Two 8-byte inbound mappings side by side at the start of a line, A and
 * B, made in place under IGNORE_CACHELINES, as virtio adds its event
 * arrays. While both are the device's, the device fills both: that is no
 * CPU write next to either. Unmapping A reports nothing, B being the
 * device's; nor does unmapping B, whose line holds what A's device wrote
 * while B was the device's, though A is gone. Then A is added again, as
 * virtio re-adds a buffer it used, and filled again before B is: unmapping
 * B and A reports nothing either.
 */
static void debug_hazard_neighbour_written(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	unsigned int hazards;
	dma_addr_t a, b;
	u32 before;
	u8 *buf;

	/* A power of two is aligned to it: A starts a line. */
	buf = test_kmalloc(test, line, GFP_KERNEL | __GFP_ZERO);
	map_neighbours(test, dev, buf, &a, &b);
	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	/* What the device writes, as DMA under TCG writes it. */
	memset(buf, 0x5a, 16);

	test_unmap_single(test, dev, a);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "A = [0, 8) unmapped after the device wrote A and B = [8, 16) in a %u-byte line: hazards",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "A = [0, 8) unmapped after the device wrote A and B = [8, 16): dma-debug errors");
	test_unmap_single(test, dev, b);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "B = [8, 16) unmapped after A, whose device wrote [0, 8): hazards");

	/* A added again while B is, each filled in turn. */
	b = test_map_single_attrs(test, dev, buf + 8, 8, DMA_FROM_DEVICE, IGNORE);
	a = test_map_single_attrs(test, dev, buf, 8, DMA_FROM_DEVICE, IGNORE);
	memset(buf, 0xa5, 8);
	test_unmap_single(test, dev, a);
	a = test_map_single_attrs(test, dev, buf, 8, DMA_FROM_DEVICE, IGNORE);
	memset(buf, 0x3c, 8);
	memset(buf + 8, 0xa5, 8);
	test_unmap_single(test, dev, b);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "B unmapped, A unmapped, added again and filled meanwhile: hazards");
	test_unmap_single(test, dev, a);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "A added again, unmapped after B: hazards");
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "neighbours added again: dma-debug errors");
}

/*
 * A's neighbour B = [8, 16) is given back to the CPU by a sync for the
 * CPU, not an unmap, after the device filled it, and stays the CPU's: its
 * bytes were the device's while A = [0, 8) was, and unmapping A reports
 * nothing.
 */
static void debug_hazard_neighbour_synced(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	unsigned int hazards;
	dma_addr_t a, b;
	u8 *buf;

	buf = test_kmalloc(test, line, GFP_KERNEL | __GFP_ZERO);
	map_neighbours(test, dev, buf, &a, &b);
	hazards = debug_dma_hazard_count();
	memset(buf + 8, 0x5a, 8);
	dma_sync_single_for_cpu(dev, b, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "B = [8, 16) written by its device, synced for the CPU: hazards");

	test_unmap_single(test, dev, a);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "A = [0, 8) unmapped after B was written, then synced for the CPU, in a %u-byte line: hazards",
			    line);
	test_unmap_single(test, dev, b);
	KUNIT_EXPECT_EQ(test, debug_dma_hazard_count() - hazards, 0);
}

/*
 * Adjacent segments of one scatterlist share a line: two 8-byte segments
 * at the start of a line, made in place under IGNORE_CACHELINES. The device
 * fills both, the CPU writes nothing. dma_unmap_sg() unmaps segment 0
 * before segment 1, whose first line holds what segment 0's device wrote:
 * no hazard.
 */
static void debug_hazard_adjacent_sg(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	struct scatterlist *sgl;
	unsigned int hazards;
	u32 before;
	u8 *buf;

	buf = test_kmalloc(test, line, GFP_KERNEL | __GFP_ZERO);
	sgl = kunit_kcalloc(test, 2, sizeof(*sgl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sgl);
	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], buf, 8);
	sg_set_buf(&sgl[1], buf + 8, 8);
	KUNIT_ASSERT_EQ(test, test_map_sg_attrs(test, dev, sgl, 2,
						DMA_FROM_DEVICE, IGNORE), 2);
	KUNIT_ASSERT_FALSE(test, is_bounced(dev, sg_dma_address(&sgl[0])));
	KUNIT_ASSERT_FALSE(test, is_bounced(dev, sg_dma_address(&sgl[1])));
	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	/* What the device writes, as DMA under TCG writes it. */
	memset(buf, 0x5a, 16);

	test_unmap_sg(test, dev, sgl);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "segments [0, 8) and [8, 16) of a %u-byte line written by the device, unmapped: hazards",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "segments [0, 8) and [8, 16) sharing a line: dma-debug errors");
}

/*
 * A CPU write found at a sync for the CPU leaves the watch on the mapping,
 * started again by the sync for the device, so that a second write, after
 * it, is found at unmap. 40 bytes 8 bytes into a line, made in place under
 * IGNORE_CACHELINES; the CPU writes the byte before them twice.
 */
static void debug_hazard_after_sync(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	unsigned int hazards;
	dma_addr_t dma;
	u8 *buf;

	buf = test_kmalloc(test, 2 * line, GFP_KERNEL | __GFP_ZERO);
	dma = test_map_single_attrs(test, dev, buf + 8, 40, DMA_FROM_DEVICE, IGNORE);
	KUNIT_ASSERT_FALSE(test, is_bounced(dev, dma));
	hazards = debug_dma_hazard_count();

	WRITE_ONCE(buf[4], 0xa5);
	dma_sync_single_for_cpu(dev, dma, 40, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 1,
			    "byte -4 written, then sync for the CPU: hazards");
	dma_sync_single_for_device(dev, dma, 40, DMA_FROM_DEVICE);
	WRITE_ONCE(buf[4], 0x5a);
	test_unmap_single(test, dev, dma);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 2,
			    "byte -4 written again after the sync for the device, then unmap: hazards");
}

/* The attributes of debug_hazard_audit_bounced()'s mapping. */
static const unsigned long audit_bounced_attrs[] = { 0, IGNORE };

static void audit_bounced_desc(const unsigned long *attrs, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *attrs ? "IGNORE_CACHELINES" : "no attributes");
}

KUNIT_ARRAY_PARAM(audit_bounced, audit_bounced_attrs, audit_bounced_desc);

#ifdef CONFIG_DMA_BOUNCE_STATS
struct hazard_event {
	struct device *dev;
	int count;
	long offset;
	size_t len;
};

static void probe_hazard(void *data, struct device *dev, phys_addr_t orig,
			 size_t size, enum dma_data_direction dir, long offset,
			 size_t len)
{
	struct hazard_event *ev = data;

	if (dev != ev->dev)
		return;
	ev->count++;
	ev->offset = offset;
	ev->len = len;
}

static void unregister_hazard_probe(void *data)
{
	unregister_trace_dma_bounce_hazard(probe_hazard, data);
	tracepoint_synchronize_unregister();
}

static void debug_hazard(struct kunit *test)
{
	const struct hazard_case *c = test->param_value;
	struct dma_bounce_stats got;
	struct hazard_event *ev;
	struct device *dev;
	unsigned int hazards;
	dma_addr_t dma;
	u32 before;
	u8 *buf;
	int i;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "CONFIG_TRACEPOINTS is not set");
	dev = debug_test_device(test, c->coherent);
	if (c->coherent)
		test_set_audit(test, 128);

	/* A power of two: aligned to it, so 8 bytes into a line of any size. */
	buf = test_kmalloc(test, 512, GFP_KERNEL | __GFP_ZERO);
	ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ev);
	ev->dev = dev;
	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_hazard(probe_hazard, ev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_hazard_probe,
							ev), 0);

	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	dma = test_map_single_attrs(test, dev, buf + 64 + 8, 40, c->dir, c->attrs);
	KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, dma), c->bounced,
			    "%s: bounced", c->name);
	if (c->cpu_owns)
		dma_sync_single_for_cpu(dev, dma, 40, c->dir);
	if (c->write != NO_WRITE)
		WRITE_ONCE(buf[64 + 8 + c->write], 0xa5);
	if (c->cpu_owns)
		dma_sync_single_for_device(dev, dma, 40, c->dir);
	test_unmap_single(test, dev, dma);

	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "%s: dma-debug errors", c->name);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, c->hazards,
			    "%s: dma-api/hazard_count", c->name);
	KUNIT_EXPECT_EQ_MSG(test, ev->count, c->hazards, "%s: hazard events", c->name);
	if (c->hazards && ev->count) {
		KUNIT_EXPECT_EQ_MSG(test, ev->offset, c->write, "%s: the byte written",
				    c->name);
		KUNIT_EXPECT_EQ(test, ev->len, 1);
	}

	dma_bounce_stats_read(dev, &got);
	for (i = DMA_BOUNCE_STAT_HAZARD; i <= DMA_BOUNCE_STAT_PRECAUTIONARY; i++)
		KUNIT_EXPECT_EQ_MSG(test, got.count[i], i == c->stat,
				    "%s: %s counter", c->name, dma_bounce_stat_name(i));
}

/*
 * The hazard the size rule leaves: 1500 bytes 8 bytes into a line, which
 * the size rule maps in place (not a small kmalloc() size), while the CPU
 * writes the bytes before them in the same line. Booted with
 * dma_bounce=kmalloc, dma-debug reports it; with dma_bounce=misaligned,
 * the same mapping is bounced, and the bounce counts as protective.
 */
static void debug_hazard_size_rule(struct kunit *test)
{
	enum dma_bounce_policy policy = dma_bounce_get_policy();
	struct dma_bounce_stats got;
	unsigned int hazards;
	struct device *dev;
	dma_addr_t dma;
	u32 before;
	u8 *buf;

	if (policy != DMA_BOUNCE_POLICY_KMALLOC &&
	    policy != DMA_BOUNCE_POLICY_MISALIGNED)
		kunit_skip(test, "booted with dma_bounce=%s",
			   dma_bounce_policy_name(policy));
	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG) || !debug_dma_active())
		kunit_skip(test, "dma-debug is off");
	dev = noncoherent_test_device(test);

	buf = test_kmalloc(test, 2048, GFP_KERNEL | __GFP_ZERO);
	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	dma = test_map_single(test, dev, buf + 8, 1500, DMA_FROM_DEVICE);
	WRITE_ONCE(buf[4], 0xa5);
	test_unmap_single(test, dev, dma);
	dma_bounce_stats_read(dev, &got);

	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "a hazard was counted as a dma-debug error");
	if (policy == DMA_BOUNCE_POLICY_KMALLOC) {
		KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 1,
				    "the size rule's hazard was not reported");
		KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_HAZARD], 1);
		KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_PROTECTIVE], 0);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
				    "a bounced mapping was reported");
		KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_HAZARD], 0);
		KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_PROTECTIVE], 1);
	}
}

/*
 * Two 8-byte inbound mappings side by side at the start of a line, A and
 * B, made in place under IGNORE_CACHELINES. While both are the device's,
 * the device fills B and the CPU writes byte 20, which neither maps.
 * Unmapping A reports byte 20 only, B's bytes being the device's;
 * unmapping B then reports byte 20 too, 12 bytes after B's start.
 */
static void debug_hazard_neighbour_and_cpu_write(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	unsigned int line = dma_get_cache_alignment();
	struct hazard_event *ev;
	unsigned int hazards;
	dma_addr_t a, b;
	u8 *buf;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "CONFIG_TRACEPOINTS is not set");
	/* A power of two is aligned to it: A starts a line. */
	buf = test_kmalloc(test, line, GFP_KERNEL | __GFP_ZERO);
	ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ev);
	ev->dev = dev;
	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_hazard(probe_hazard, ev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_hazard_probe,
							ev), 0);

	map_neighbours(test, dev, buf, &a, &b);
	hazards = debug_dma_hazard_count();
	/* What the device writes, as DMA under TCG writes it. */
	memset(buf + 8, 0x5a, 8);
	WRITE_ONCE(buf[20], 0xa5);

	test_unmap_single(test, dev, a);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 1,
			    "A = [0, 8), B = [8, 16) written, byte 20 written, A unmapped: hazards");
	KUNIT_EXPECT_EQ(test, ev->count, 1);
	KUNIT_EXPECT_EQ_MSG(test, ev->offset, 20,
			    "A unmapped: the first byte reported, from A's start");
	KUNIT_EXPECT_EQ_MSG(test, ev->len, 1,
			    "A unmapped: bytes reported (B's are the device's)");

	test_unmap_single(test, dev, b);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 2,
			    "byte 20 written, B = [8, 16) unmapped: hazards");
	KUNIT_EXPECT_EQ(test, ev->count, 2);
	KUNIT_EXPECT_EQ_MSG(test, ev->offset, 12,
			    "B unmapped: the byte reported, from B's start");
	KUNIT_EXPECT_EQ(test, ev->len, 1);
}

/*
 * Audit mode reports the CPU writes that a non-coherent system would lose:
 * none next to a mapping that both policies would bounce there. On a
 * coherent device, audit mode against 128-byte lines: 40 bytes 8 bytes
 * into kmalloc(64), which the misaligned policy bounces (its first line is
 * shared) and the size rule too (kmalloc(40) is no multiple of 128 bytes),
 * while the CPU writes byte 4 of the object, in the same line. With
 * IGNORE_CACHELINES too: the caller's promise covers only lines its
 * object owns, and kmalloc(64) owns no 128-byte line, so the misaligned
 * policy bounces it as well.
 */
static void debug_hazard_audit_bounced(struct kunit *test)
{
	const unsigned long *attrs = test->param_value;
	struct device *dev = debug_test_device(test, true);
	unsigned int hazards;
	dma_addr_t dma;
	u32 before;
	u8 *p;

	test_set_audit(test, 128);
	/* A power of two is aligned to it: p + 4 and p + 8 share a line. */
	p = test_kmalloc(test, 64, GFP_KERNEL | __GFP_ZERO);
	before = debug_dma_error_count();
	hazards = debug_dma_hazard_count();
	dma = test_map_single_attrs(test, dev, p + 8, 40, DMA_FROM_DEVICE, *attrs);
	WRITE_ONCE(p[4], 0xa5);
	test_unmap_single(test, dev, dma);

	KUNIT_EXPECT_EQ_MSG(test, debug_dma_hazard_count() - hazards, 0,
			    "40 bytes at kmalloc(64) + 8, attrs %#lx, byte 4 written, 128-byte audit line: hazards",
			    *attrs);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "40 bytes at kmalloc(64) + 8, attrs %#lx, byte 4 written, 128-byte audit line: dma-debug errors",
			    *attrs);
}
#else
static void debug_hazard(struct kunit *test)
{
	kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
}

static void debug_hazard_audit_bounced(struct kunit *test)
{
	kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
}

static void debug_hazard_neighbour_and_cpu_write(struct kunit *test)
{
	kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
}

static void debug_hazard_size_rule(struct kunit *test)
{
	kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
}
#endif

/* What dma-debug knows of a coherent allocation the test pretends to make. */
struct debug_coherent {
	struct device *dev;
	void *virt;
	dma_addr_t dma;
};

static void debug_coherent_free(void *data)
{
	struct debug_coherent *c = data;

	debug_dma_free_coherent(c->dev, 2 * PAGE_SIZE, c->virt, c->dma, 0);
	vunmap(c->virt);
}

static void debug_free_pages(void *page)
{
	__free_pages(page, 1);
}

static void debug_free_page(void *page)
{
	__free_page(page);
}

/*
 * A coherent allocation of two pages that are not contiguous, as dma-iommu
 * and remapping allocators make them: dma-debug knows its first page only.
 * The page that follows that one in memory is someone else's; mapping it
 * inbound shares no line with the allocation. The lab found this under
 * SMMUv3: e1000e's 8 KiB ring and virtio-blk reading into the page after
 * the ring's first, reported as sharing its last line.
 */
static void debug_coherent_noncontiguous(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	struct debug_coherent *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	struct page *elsewhere = alloc_page(GFP_KERNEL);
	struct page *mapped[2] = { pages, elsewhere };
	u32 before;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, debug_free_pages,
							pages), 0);
	KUNIT_ASSERT_NOT_NULL(test, elsewhere);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, debug_free_page,
							elsewhere), 0);
	c->virt = vmap(mapped, 2, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->virt);
	c->dev = dev;
	c->dma = phys_to_dma(dev, page_to_phys(elsewhere));
	debug_dma_alloc_coherent(dev, 2 * PAGE_SIZE, c->dma, c->virt, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, debug_coherent_free,
							c), 0);

	before = debug_dma_error_count();
	test_map_single(test, dev, page_address(pages + 1), PAGE_SIZE,
			DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, 0,
			    "the page after a coherent allocation's first was reported as shared with it");
}

static struct kunit_case bounce_debug_cases[] = {
	KUNIT_CASE_PARAM(debug_overlap, debug_gen_params),
	KUNIT_CASE_PARAM(debug_kmalloc_neighbours, coherence_gen_params),
	KUNIT_CASE(debug_bounced_wrong_size),
	KUNIT_CASE(debug_bounced_sync),
	KUNIT_CASE(debug_unmapped_sharer),
	KUNIT_CASE(debug_merged_sg),
	KUNIT_CASE(debug_xen_swiotlb),
	KUNIT_CASE(debug_opaque_ops),
	KUNIT_CASE(debug_coherent_noncontiguous),
	KUNIT_CASE_PARAM(debug_hazard, hazard_gen_params),
	KUNIT_CASE(debug_hazard_size_rule),
	KUNIT_CASE(debug_hazard_not_an_error),
	KUNIT_CASE(debug_hazard_neighbour_written),
	KUNIT_CASE(debug_hazard_neighbour_synced),
	KUNIT_CASE(debug_hazard_adjacent_sg),
	KUNIT_CASE(debug_hazard_neighbour_and_cpu_write),
	KUNIT_CASE(debug_hazard_after_sync),
	KUNIT_CASE_PARAM(debug_hazard_audit_bounced, audit_bounced_gen_params),
	{}
};

static struct kunit_suite bounce_debug_suite = {
	.name = "dma_bounce_debug",
	.test_cases = bounce_debug_cases,
};

kunit_test_suites(&bounce_debug_suite);

MODULE_DESCRIPTION("KUnit tests for dma-debug cache line tracking");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
