// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for dma-debug's cache line tracking: which inbound mappings
 * that share a cache line it reports, on coherent and non-coherent devices.
 * On a non-coherent device the mappings are those of mainline's size rule:
 * an inbound mapping whose kmalloc() size class is not a multiple of the
 * cache line is bounced through swiotlb (dma_kmalloc_needs_bounce()).
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>
#ifdef CONFIG_SWIOTLB_XEN
#include <xen/swiotlb-xen.h>
#endif

#include "bounce.h"
#include "debug.h"

/* Helpers: devices, memory and mappings that the test owns until it ends. */

#define MAX_HELD_OBJS	256

/* Objects a test keeps allocated until it ends, then frees with kfree(). */
struct held_objs {
	int nr;
	void *obj[MAX_HELD_OBJS];
};

static void free_held_objs(void *data)
{
	struct held_objs *held = data;

	while (held->nr)
		kfree(held->obj[--held->nr]);
}

static struct held_objs *held_objs_alloc(struct kunit *test)
{
	struct held_objs *held = kunit_kzalloc(test, sizeof(*held), GFP_KERNEL);

	if (held && kunit_add_action_or_reset(test, free_held_objs, held))
		return NULL;
	return held;
}

/*
 * How far apart the slab placed the objects held, all from one cache: the
 * smallest gap between two of them, 0 with fewer than two. Debug kernels
 * (slub_debug's red zones and tracking, KASAN's metadata) space small
 * objects much further apart than production kernels.
 */
static unsigned long held_objs_stride(const struct held_objs *held)
{
	unsigned long gap, best = 0;
	int i, j;

	for (i = 0; i < held->nr; i++) {
		for (j = i + 1; j < held->nr; j++) {
			gap = abs((long)(held->obj[i] - held->obj[j]));
			if (gap && (!best || gap < best))
				best = gap;
		}
	}
	return best;
}

/* @size bytes from kmalloc(), freed when the test ends; or the test fails. */
static void *test_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = kunit_kmalloc(test, size, gfp);

	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no memory for %zu bytes", size);
	return p;
}

static bool is_bounced(struct device *dev, dma_addr_t dma)
{
	return swiotlb_find_pool(dev, dma_to_phys(dev, dma));
}

static const char *dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return "to-device";
	case DMA_FROM_DEVICE:
		return "from-device";
	case DMA_BIDIRECTIONAL:
		return "bidirectional";
	default:
		return "none";
	}
}

static void set_dma_coherent(struct kunit *test, struct device *dev,
			     bool coherent)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev_assign_dma_coherent(dev, coherent);
#else
	kunit_skip(test, "coherence is not per device on this architecture");
#endif
}

/*
 * A device of the KUnit bus, named @name, with a 64-bit DMA mask and the
 * coherence asked for; where coherence is not per device and the default
 * differs, the test is skipped.
 */
static struct device *test_dma_device(struct kunit *test, const char *name,
				      bool coherent)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (dev_is_dma_coherent(dev) != coherent)
		set_dma_coherent(test, dev, coherent);
	return dev;
}

/*
 * A streaming mapping that a test owns, as a KUnit resource: whatever
 * assertion fails, the mapping is unmapped when the test ends, before its
 * device goes away. test_unmap_single() unmaps earlier.
 */
struct test_mapping {
	struct device *dev;
	dma_addr_t dma;
	size_t len;
	enum dma_data_direction dir;
	unsigned long attrs;
};

static void test_mapping_free(struct kunit_resource *res)
{
	struct test_mapping *m = res->data;

	dma_unmap_single_attrs(m->dev, m->dma, m->len, m->dir, m->attrs);
	kfree(m);
}

/* Own @m, or unmap it and fail the test. */
static void test_mapping_own(struct kunit *test, struct test_mapping *m)
{
	struct test_mapping *copy = kmemdup(m, sizeof(*m), GFP_KERNEL);

	if (copy && kunit_alloc_resource(test, NULL, test_mapping_free,
					 GFP_KERNEL, copy))
		return;
	kfree(copy);
	dma_unmap_single_attrs(m->dev, m->dma, m->len, m->dir, m->attrs);
	KUNIT_FAIL_AND_ABORT(test, "no memory to keep track of a mapping");
}

/* Map @len bytes at @buf for @dev, or fail the test naming the mapping. */
static dma_addr_t test_map_single_attrs(struct kunit *test,
					struct device *dev, void *buf,
					size_t len,
					enum dma_data_direction dir,
					unsigned long attrs)
{
	struct test_mapping m = {
		.dev = dev, .len = len, .dir = dir, .attrs = attrs,
	};

	m.dma = dma_map_single_attrs(dev, buf, len, dir, attrs);
	KUNIT_ASSERT_FALSE_MSG(test, dma_mapping_error(dev, m.dma),
			       "%s: mapping %zu bytes at %p (+%lu in its line) %s failed",
			       dev_name(dev), len, buf,
			       (unsigned long)buf % dma_get_cache_alignment(),
			       dir_name(dir));
	test_mapping_own(test, &m);
	return m.dma;
}

static dma_addr_t test_map_single(struct kunit *test,
				  struct device *dev, void *buf,
				  size_t len, enum dma_data_direction dir)
{
	return test_map_single_attrs(test, dev, buf, len, dir, 0);
}

static bool test_mapping_match(struct kunit *test,
			       struct kunit_resource *res, void *data)
{
	const struct test_mapping *m = res->data, *key = data;

	return res->free == test_mapping_free && m->dev == key->dev &&
	       m->dma == key->dma;
}

static void test_unmap(struct kunit *test, const struct test_mapping *key)
{
	struct kunit_resource *res;

	res = kunit_find_resource(test, test_mapping_match, (void *)key);
	KUNIT_ASSERT_NOT_NULL_MSG(test, res, "%s: unmapping a mapping the test does not own",
				  dev_name(key->dev));
	kunit_remove_resource(test, res);
	kunit_put_resource(res);
}

/* Unmap now what test_map_single() mapped. */
static void test_unmap_single(struct kunit *test, struct device *dev,
			      dma_addr_t dma)
{
	struct test_mapping key = { .dev = dev, .dma = dma };

	test_unmap(test, &key);
}

/*
 * dma-debug reports inbound mappings that share a cache line, unless both
 * can: bounced, or, on a coherent device, bounced on a non-coherent system.
 * A non-coherent device is one that bounces small kmalloc() buffers through
 * swiotlb (CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC, arm64 and riscv).
 */
static struct device *debug_test_device(struct kunit *test, bool coherent)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "CONFIG_DMA_API_DEBUG is not set");
	if (!debug_dma_active())
		kunit_skip(test, "dma-debug is off (dma_debug=off, or it ran out of entries)");
	if (!coherent && !IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		kunit_skip(test, "no non-coherent DMA with swiotlb bouncing on this architecture");
	/* The suite dma_bounce_debug has the rows of the other policies. */
	if (!coherent && dma_bounce_get_policy() != DMA_BOUNCE_POLICY_KMALLOC)
		kunit_skip(test, "the rows are the size rule's, booted with dma_bounce=%s",
			   dma_bounce_policy_name(dma_bounce_get_policy()));

	dev = test_dma_device(test, "dma-debug-test", coherent);
	if (!coherent && !is_swiotlb_active(dev))
		kunit_skip(test, "%s has no swiotlb pool", dev_name(dev));
	/*
	 * The expectations are those of small kmalloc() objects sharing lines:
	 * kmalloc() places them so on coherent architectures, and where
	 * swiotlb can bounce them for non-coherent DMA.
	 */
	if (kmalloc_size_roundup(8) != 8)
		kunit_skip(test, "kmalloc() is %zu-byte aligned",
			   kmalloc_size_roundup(8));
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
	 * object that holds them both: not reported, as in mainline. The size
	 * rule bounces the small ones all the same.
	 */
	{ "two small buffers in one line, both IGNORE_CACHELINES", 1,
	  { { 0, 8, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES },
	    { 8, 8, DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES } },
	  { true, true }, 0 },
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

/*
 * Unmapping a bounced mapping with the wrong size is still an error. 24
 * bytes are in kmalloc-32, which the size rule bounces.
 */
static void debug_bounced_wrong_size(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t dma;
	u32 before;

	/* Unmapped by hand below, with the wrong size: no resource owns it. */
	dma = dma_map_single(dev, buf + 8, 24, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	if (!is_bounced(dev, dma)) {
		dma_unmap_single(dev, dma, 24, DMA_FROM_DEVICE);
		KUNIT_FAIL_AND_ABORT(test, "24 bytes at +8 were mapped in place");
	}

	before = debug_dma_error_count();
	dma_unmap_single(dev, dma, 16, DMA_FROM_DEVICE);
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

	dma = test_map_single(test, dev, buf + 8, 24, DMA_FROM_DEVICE);
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, dma));

	before = debug_dma_error_count();
	dma_sync_single_for_cpu(dev, dma, 24, DMA_FROM_DEVICE);
	dma_sync_single_for_device(dev, dma + 8, 16, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 0);

	dma_sync_single_for_cpu(dev, dma, 24, DMA_TO_DEVICE);
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
 * bounces what the size rule bounces.
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

static struct kunit_case dma_debug_cases[] = {
	KUNIT_CASE_PARAM(debug_overlap, debug_gen_params),
	KUNIT_CASE_PARAM(debug_kmalloc_neighbours, coherence_gen_params),
	KUNIT_CASE(debug_bounced_wrong_size),
	KUNIT_CASE(debug_bounced_sync),
	KUNIT_CASE(debug_unmapped_sharer),
	KUNIT_CASE(debug_merged_sg),
	KUNIT_CASE(debug_xen_swiotlb),
	KUNIT_CASE(debug_opaque_ops),
	KUNIT_CASE(debug_coherent_noncontiguous),
	{}
};

static struct kunit_suite dma_debug_suite = {
	.name = "dma_debug",
	.test_cases = dma_debug_cases,
};

kunit_test_suites(&dma_debug_suite);

MODULE_DESCRIPTION("KUnit tests for dma-debug cache line tracking");
MODULE_LICENSE("GPL");
