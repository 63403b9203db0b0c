// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for bounce-on-misalignment: the decision, taken on real slab
 * and page allocator memory, and the mappings that dma-direct makes with it
 * on a non-coherent device.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-bounce.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/tracepoint.h>
#include <trace/events/dma_bounce.h>

/* Where the memory of a decision case comes from. */
enum bounce_mem {
	MEM_KMALLOC,	/* kmalloc(alloc), an object aligned to the line */
	MEM_HWCACHE,	/* a SLAB_HWCACHE_ALIGN cache of alloc-byte objects */
	MEM_PADDED,	/* a cache of alloc-byte objects aligned to 64 bytes */
	MEM_PAGE,	/* alloc_page() */
};

struct decision_case {
	const char *name;
	enum bounce_mem mem;
	size_t alloc;
	size_t offset;
	size_t len;
	unsigned int line;
	enum dma_bounce_reason want;
};

static const struct decision_case decision_cases[] = {
	/* Whole kmalloc() objects: only those smaller than a line share it. */
	{ "kmalloc-8 mapped whole", MEM_KMALLOC, 8, 0, 8, 64, DMA_BOUNCE_TAIL },
	{ "kmalloc-16 mapped whole", MEM_KMALLOC, 16, 0, 16, 64, DMA_BOUNCE_TAIL },
	{ "kmalloc-32 mapped whole", MEM_KMALLOC, 32, 0, 32, 64, DMA_BOUNCE_TAIL },
	{ "kmalloc-64 mapped whole", MEM_KMALLOC, 64, 0, 64, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-96 mapped whole", MEM_KMALLOC, 96, 0, 96, 64, DMA_BOUNCE_TAIL },
	{ "kmalloc-128 mapped whole", MEM_KMALLOC, 128, 0, 128, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-192 mapped whole", MEM_KMALLOC, 192, 0, 192, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-256 mapped whole", MEM_KMALLOC, 256, 0, 256, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-512 mapped whole", MEM_KMALLOC, 512, 0, 512, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-1024 mapped whole", MEM_KMALLOC, 1024, 0, 1024, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-2048 mapped whole", MEM_KMALLOC, 2048, 0, 2048, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-4096 mapped whole", MEM_KMALLOC, 4096, 0, 4096, 64, DMA_BOUNCE_NONE },
	{ "kmalloc-8 mapped whole", MEM_KMALLOC, 8, 0, 8, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-16 mapped whole", MEM_KMALLOC, 16, 0, 16, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-32 mapped whole", MEM_KMALLOC, 32, 0, 32, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-64 mapped whole", MEM_KMALLOC, 64, 0, 64, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-96 mapped whole", MEM_KMALLOC, 96, 0, 96, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-128 mapped whole", MEM_KMALLOC, 128, 0, 128, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-192 mapped whole", MEM_KMALLOC, 192, 0, 192, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc-256 mapped whole", MEM_KMALLOC, 256, 0, 256, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-512 mapped whole", MEM_KMALLOC, 512, 0, 512, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-1024 mapped whole", MEM_KMALLOC, 1024, 0, 1024, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-2048 mapped whole", MEM_KMALLOC, 2048, 0, 2048, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-4096 mapped whole", MEM_KMALLOC, 4096, 0, 4096, 128, DMA_BOUNCE_NONE },
	/* Whole objects whose last line ends in their own kmalloc() slack. */
	{ "kmalloc(40) whole, slack to 64", MEM_KMALLOC, 40, 0, 40, 64, DMA_BOUNCE_NONE },
	{ "kmalloc(40) whole, slack to 64", MEM_KMALLOC, 40, 0, 40, 128, DMA_BOUNCE_TAIL },
	{ "kmalloc(100) whole, slack to 128", MEM_KMALLOC, 100, 0, 100, 128, DMA_BOUNCE_NONE },
	{ "kmalloc(200) whole, slack to 256", MEM_KMALLOC, 200, 0, 200, 128, DMA_BOUNCE_NONE },
	{ "kmalloc(1500) whole, slack to 2048", MEM_KMALLOC, 1500, 0, 1500, 128, DMA_BOUNCE_NONE },
	/* Sub-ranges of a 1 KiB object, at every head/tail combination. */
	{ "1k: aligned head, aligned tail", MEM_KMALLOC, 1024, 128, 256, 128, DMA_BOUNCE_NONE },
	{ "1k: aligned head, partial tail", MEM_KMALLOC, 1024, 128, 40, 128, DMA_BOUNCE_TAIL },
	{ "1k: partial head, aligned tail", MEM_KMALLOC, 1024, 8, 248, 128, DMA_BOUNCE_HEAD },
	{ "1k: partial head, partial tail", MEM_KMALLOC, 1024, 8, 40, 128, DMA_BOUNCE_HEAD },
	{ "1k: 512 bytes at +8", MEM_KMALLOC, 1024, 8, 512, 128, DMA_BOUNCE_HEAD },
	{ "1k: 40 bytes at +8", MEM_KMALLOC, 1024, 8, 40, 64, DMA_BOUNCE_HEAD },
	{ "1k: 64 bytes at +64", MEM_KMALLOC, 1024, 64, 64, 64, DMA_BOUNCE_NONE },
	{ "1k: 64 bytes at +64", MEM_KMALLOC, 1024, 64, 64, 128, DMA_BOUNCE_HEAD },
	{ "1k: 100-byte prefix", MEM_KMALLOC, 1024, 0, 100, 128, DMA_BOUNCE_TAIL },
	{ "1k: prefix in its size class", MEM_KMALLOC, 1024, 0, 1000, 128, DMA_BOUNCE_NONE },
	{ "1k: zero bytes at +8", MEM_KMALLOC, 1024, 8, 0, 128, DMA_BOUNCE_NONE },
	{ "kmalloc-8: overflowing length", MEM_KMALLOC, 8, 0, SIZE_MAX - 3, 128, DMA_BOUNCE_TAIL },
	/* Members inside a structure. */
	{ "member at +4 of a 64-byte struct", MEM_KMALLOC, 64, 4, 40, 64, DMA_BOUNCE_HEAD },
	{ "40-byte member at +128 of 384", MEM_KMALLOC, 384, 128, 40, 128, DMA_BOUNCE_TAIL },
	{ "aligned 128-byte member of 384", MEM_KMALLOC, 384, 128, 128, 128, DMA_BOUNCE_NONE },
	/* A cache that pads its 40-byte objects to a 64-byte line. */
	{ "hwcache-40 object whole", MEM_HWCACHE, 40, 0, 40, 64, DMA_BOUNCE_NONE },
	{ "hwcache-40 object whole", MEM_HWCACHE, 40, 0, 40, 128, DMA_BOUNCE_TAIL },
	{ "hwcache-40 first 8 bytes", MEM_HWCACHE, 40, 0, 8, 64, DMA_BOUNCE_TAIL },
	/* Small objects padded to a line own it: the size rule bounces them. */
	{ "padded-24 object whole", MEM_PADDED, 24, 0, 24, 64, DMA_BOUNCE_NONE },
	{ "padded-24 object whole", MEM_PADDED, 24, 0, 24, 128, DMA_BOUNCE_TAIL },
	/* The page allocator owns no slack. */
	{ "page whole", MEM_PAGE, PAGE_SIZE, 0, PAGE_SIZE, 128, DMA_BOUNCE_NONE },
	{ "page: 100 bytes at +0", MEM_PAGE, PAGE_SIZE, 0, 100, 128, DMA_BOUNCE_TAIL },
	{ "page: from +8 to the end", MEM_PAGE, PAGE_SIZE, 8, PAGE_SIZE - 8, 128, DMA_BOUNCE_HEAD },
	{ "page: 64 bytes at +64", MEM_PAGE, PAGE_SIZE, 64, 64, 64, DMA_BOUNCE_NONE },
};

static void decision_case_desc(const struct decision_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, L=%u", c->name, c->line);
}

KUNIT_ARRAY_PARAM(decision, decision_cases, decision_case_desc);

/* The rule of v6.5 to v6.12, for the table: it looks at the size only. */
static bool size_rule_bounces(size_t len, unsigned int line)
{
	return !(len >= 2 * ARCH_DMA_MINALIGN ||
		 IS_ALIGNED(kmalloc_size_roundup(len), line));
}

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

KUNIT_DEFINE_ACTION_WRAPPER(destroy_cache_action, kmem_cache_destroy,
			    struct kmem_cache *);

/* A cache destroyed when the test ends, after the objects it holds. */
static struct kmem_cache *test_cache_create(struct kunit *test, const char *name,
					    unsigned int size, unsigned int align,
					    slab_flags_t flags)
{
	struct kmem_cache *cache = kmem_cache_create(name, size, align, flags, NULL);

	if (cache && kunit_add_action_or_reset(test, destroy_cache_action, cache))
		return NULL;
	return cache;
}

struct bounce_decision_ctx {
	struct kmem_cache *hwcache;
	struct kmem_cache *padded;
	struct held_objs *held;
};

static int bounce_decision_init(struct kunit *test)
{
	struct bounce_decision_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	/*
	 * Unmerged: a cache merged into kmalloc-64 would only tell the size
	 * class of its objects, and the rows below want the exact size.
	 */
	ctx->hwcache = test_cache_create(test, "dma_bounce_hw40", 40, 0,
					 SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE);
	ctx->padded = test_cache_create(test, "dma_bounce_pad24", 24, 64,
					SLAB_NO_MERGE);
	/* Created after the caches, so freed before they are destroyed. */
	ctx->held = held_objs_alloc(test);
	if (!ctx->hwcache || !ctx->padded || !ctx->held)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

/*
 * Allocate objects until one starts a line, so that the expected reason
 * does not depend on where the allocator placed the object. The objects
 * passed over stay allocated until the test ends. Nothing else is allocated
 * meanwhile, so consecutive objects come from consecutive slots.
 */
static void *alloc_line_aligned(struct kunit *test, const struct decision_case *c)
{
	struct bounce_decision_ctx *ctx = test->priv;
	void *obj;

	while (ctx->held->nr < MAX_HELD_OBJS) {
		if (c->mem == MEM_HWCACHE)
			obj = kmem_cache_alloc(ctx->hwcache, GFP_KERNEL);
		else if (c->mem == MEM_PADDED)
			obj = kmem_cache_alloc(ctx->padded, GFP_KERNEL);
		else
			obj = kmalloc(c->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		ctx->held->obj[ctx->held->nr++] = obj;
		if (IS_ALIGNED((unsigned long)obj, c->line))
			return obj;
	}
	KUNIT_FAIL(test, "no %zu-byte object aligned to %u in %d tries",
		   c->alloc, c->line, MAX_HELD_OBJS);
	return NULL;
}

KUNIT_DEFINE_ACTION_WRAPPER(free_page_action, __free_page, struct page *);

static void *alloc_case_memory(struct kunit *test, const struct decision_case *c)
{
	struct page *page;

	if (c->mem != MEM_PAGE)
		return alloc_line_aligned(test, c);

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_page_action, page), 0);
	return page_address(page);
}

static const char * const mem_names[] = {
	[MEM_KMALLOC] = "kmalloc",
	[MEM_HWCACHE] = "hwcache",
	[MEM_PADDED] = "padded",
	[MEM_PAGE] = "page",
};

static void bounce_decision_table(struct kunit *test)
{
	const struct decision_case *c = test->param_value;
	struct kmem_obj_slot slot;
	enum dma_bounce_reason got;
	phys_addr_t phys;
	void *obj;

	if (c->mem == MEM_HWCACHE && cache_line_size() != 64)
		kunit_skip(test, "cache_line_size() is %d, the hwcache rows assume 64",
			   cache_line_size());
	if (c->mem == MEM_KMALLOC && kmalloc_size_roundup(8) != 8)
		kunit_skip(test, "kmalloc() is %zu-byte aligned (dma_bounce=%s), rows assume 8",
			   kmalloc_size_roundup(8),
			   dma_bounce_policy_name(dma_bounce_get_policy()));

	obj = alloc_case_memory(test, c);
	if (!obj)
		return;

	phys = virt_to_phys(obj) + c->offset;
	got = dma_misalignment(phys, c->len, c->line);
	if (!kmem_find_obj_slot(obj, &slot))
		memset(&slot, 0, sizeof(slot));
	KUNIT_EXPECT_EQ_MSG(test, got, c->want,
			    "%s: %zu bytes at +%zu of a %zu-byte %s object, L=%u: %s, expected %s; slab object %u bytes%s, slot %u",
			    c->name, c->len, c->offset, c->alloc, mem_names[c->mem],
			    c->line, dma_bounce_reason_name(got),
			    dma_bounce_reason_name(c->want), slot.object_size,
			    slot.size_class ? " (size class)" : "", slot.slot_size);

	kunit_info(test, "decision: %-36s L=%-3u len=%-5zu +%-3zu %-7s %-4s (v6.12 size rule: %s)\n",
		   c->name, c->line, c->len, c->offset,
		   got ? "bounce" : "inplace", got ? dma_bounce_reason_name(got) : "",
		   !IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) ? "n/a" :
		   size_rule_bounces(c->len, c->line) ? "bounce" : "inplace");
}

/* A device of the KUnit bus: non-coherent and with swiotlb on arm64. */
static struct device *bounce_test_device(struct kunit *test)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED))
		kunit_skip(test, "no non-coherent DMA with swiotlb bouncing on this architecture");
	if (dma_bounce_get_policy() != DMA_BOUNCE_POLICY_MISALIGNED)
		kunit_skip(test, "booted with dma_bounce=%s",
			   dma_bounce_policy_name(dma_bounce_get_policy()));

	dev = kunit_device_register(test, "dma-bounce-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (dev_is_dma_coherent(dev))
		kunit_skip(test, "%s is DMA-coherent", dev_name(dev));
	if (!is_swiotlb_active(dev))
		kunit_skip(test, "%s has no swiotlb pool", dev_name(dev));
	return dev;
}

static bool is_bounced(struct device *dev, dma_addr_t dma)
{
	return swiotlb_find_pool(dev, dma_to_phys(dev, dma));
}

/* What the device sees: the bounce slot, or the buffer itself. */
static void *device_view(struct device *dev, dma_addr_t dma)
{
	return phys_to_virt(dma_to_phys(dev, dma));
}

static void restore_policy(void *policy)
{
	dma_bounce_switch_policy((uintptr_t)policy);
}

/* Whatever a failed assertion leaves behind, the next test gets the policy back. */
static void restore_policy_at_exit(struct kunit *test)
{
	uintptr_t cur = dma_bounce_get_policy();

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_policy,
							(void *)cur), 0);
}

struct gate_case {
	bool coherent;
	enum dma_data_direction dir;
	bool bounce;
};

static const struct gate_case gate_cases[] = {
	{ false, DMA_TO_DEVICE, false },
	{ false, DMA_FROM_DEVICE, true },
	{ false, DMA_BIDIRECTIONAL, true },
	{ true, DMA_TO_DEVICE, false },
	{ true, DMA_FROM_DEVICE, false },
	{ true, DMA_BIDIRECTIONAL, false },
};

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

static void gate_case_desc(const struct gate_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s device, %s",
		 c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));
}

KUNIT_ARRAY_PARAM(gate, gate_cases, gate_case_desc);

static void set_dma_coherent(struct kunit *test, struct device *dev, bool coherent)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev->dma_coherent = coherent;
#else
	kunit_skip(test, "coherence is not per device on this architecture");
#endif
}

/* 40 bytes at +8 of a 256-byte buffer: misaligned at both ends. */
static void bounce_device_and_direction(struct kunit *test)
{
	const struct gate_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	set_dma_coherent(test, dev, c->coherent);

	KUNIT_EXPECT_EQ_MSG(test, dma_needs_bounce(dev, virt_to_phys(buf + 8), 40, c->dir),
			    c->bounce, "%s device, %s",
			    c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));

	dma = dma_map_single(dev, buf + 8, 40, c->dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, dma), c->bounce,
			    "mapping of a %s device, %s",
			    c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));
	dma_unmap_single(dev, dma, 40, c->dir);
}

struct round_trip_case {
	const char *name;
	size_t offset;
	size_t len;
	enum dma_data_direction dir;
};

static const struct round_trip_case round_trip_cases[] = {
	{ "40 bytes at +8", 8, 40, DMA_FROM_DEVICE },
	{ "40 bytes at +8", 8, 40, DMA_BIDIRECTIONAL },
	{ "40-byte prefix", 0, 40, DMA_FROM_DEVICE },
	{ "40-byte prefix", 0, 40, DMA_BIDIRECTIONAL },
	{ "16 bytes across a line", 120, 16, DMA_FROM_DEVICE },
	{ "16 bytes across a line", 120, 16, DMA_BIDIRECTIONAL },
};

static void round_trip_case_desc(const struct round_trip_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s", c->name, dir_name(c->dir));
}

KUNIT_ARRAY_PARAM(round_trip, round_trip_cases, round_trip_case_desc);

#define BUF_OLD		0xaa	/* what the buffer held before the mapping */
#define BUF_DEVICE	0x5d	/* what the device writes */
#define BUF_CPU		0xc3	/* what the CPU writes next to the mapping */

static bool all_bytes(const u8 *p, u8 val, size_t len)
{
	return !memchr_inv(p, val, len);
}

/*
 * The device writes the bounce slot while the CPU writes the neighbours of
 * the mapping in the same cache lines: after unmap both must be intact.
 */
static void bounce_round_trip(struct kunit *test)
{
	const struct round_trip_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	size_t size = 4 * dma_get_cache_alignment();
	size_t end = c->offset + c->len;
	dma_addr_t dma;
	u8 *buf, *dv;

	buf = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, BUF_OLD, size);

	dma = dma_map_single(dev, buf + c->offset, c->len, c->dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_ASSERT_TRUE_MSG(test, is_bounced(dev, dma), "%s was mapped in place",
			      c->name);

	dv = device_view(dev, dma);
	if (c->dir == DMA_BIDIRECTIONAL)
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes(dv, BUF_OLD, c->len),
				      "the device does not see the buffer's data");
	memset(dv, BUF_DEVICE, c->len);
	memset(buf, BUF_CPU, c->offset);
	memset(buf + end, BUF_CPU, size - end);

	dma_unmap_single(dev, dma, c->len, c->dir);

	KUNIT_EXPECT_TRUE_MSG(test, all_bytes(buf + c->offset, BUF_DEVICE, c->len),
			      "%s: the device's data did not come back", c->name);
	KUNIT_EXPECT_TRUE_MSG(test, all_bytes(buf, BUF_CPU, c->offset),
			      "%s: the CPU's writes before the mapping were lost", c->name);
	KUNIT_EXPECT_TRUE_MSG(test, all_bytes(buf + end, BUF_CPU, size - end),
			      "%s: the CPU's writes after the mapping were lost", c->name);
}

/* Whole lines, and whole objects ending in their own slack, stay in place. */
static void bounce_in_place(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	u8 *lines = kunit_kmalloc(test, 4 * line, GFP_KERNEL);
	u8 *obj = kunit_kmalloc(test, line - 28, GFP_KERNEL);
	u8 *tiny = kunit_kmalloc(test, 8, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, lines);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, tiny);

	dma = dma_map_single(dev, lines + line, 2 * line, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_FALSE_MSG(test, is_bounced(dev, dma), "two whole lines were bounced");
	KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma), virt_to_phys(lines + line));
	dma_unmap_single(dev, dma, 2 * line, DMA_FROM_DEVICE);

	dma = dma_map_single(dev, obj, line - 28, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_FALSE_MSG(test, is_bounced(dev, dma),
			       "kmalloc(%u) mapped whole was bounced", line - 28);
	dma_unmap_single(dev, dma, line - 28, DMA_FROM_DEVICE);

	dma = dma_map_single(dev, tiny, 8, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_TRUE_MSG(test, is_bounced(dev, dma), "kmalloc(8) was mapped in place");
	dma_unmap_single(dev, dma, 8, DMA_FROM_DEVICE);

	/* A zero-length mapping touches no line. */
	dma = dma_map_single(dev, lines + 8, 0, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_FALSE(test, is_bounced(dev, dma));
	dma_unmap_single(dev, dma, 0, DMA_FROM_DEVICE);
}

/* Only the misaligned segments of a scatterlist are bounced. */
static void bounce_scatterlist(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	u8 *a = kunit_kmalloc(test, 2 * line, GFP_KERNEL);
	u8 *b = kunit_kmalloc(test, 2 * line, GFP_KERNEL);
	u8 *c = kunit_kmalloc(test, 1024, GFP_KERNEL);
	u8 *d = kunit_kmalloc(test, line, GFP_KERNEL);
	struct {
		u8 *buf;
		size_t len;
		bool bounce;
	} segs[] = {
		{ a, 2 * line, false },		/* whole lines */
		{ b + 8, 40, true },		/* misaligned head */
		{ c, 100, true },		/* prefix of a bigger object */
		{ d, line, false },		/* a whole line-sized object */
	};
	struct scatterlist sgl[ARRAY_SIZE(segs)], *sg;
	int i, nents;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);

	sg_init_table(sgl, ARRAY_SIZE(segs));
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		memset(segs[i].buf, BUF_OLD, segs[i].len);
		sg_set_buf(&sgl[i], segs[i].buf, segs[i].len);
	}

	nents = dma_map_sg(dev, sgl, ARRAY_SIZE(segs), DMA_FROM_DEVICE);
	KUNIT_ASSERT_EQ(test, nents, (int)ARRAY_SIZE(segs));

	for_each_sg(sgl, sg, nents, i) {
		KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, sg_dma_address(sg)),
				    segs[i].bounce, "segment %d: %zu bytes at %p",
				    i, segs[i].len, segs[i].buf);
		memset(device_view(dev, sg_dma_address(sg)), BUF_DEVICE,
		       sg_dma_len(sg));
	}

	dma_unmap_sg(dev, sgl, ARRAY_SIZE(segs), DMA_FROM_DEVICE);

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes(segs[i].buf, BUF_DEVICE, segs[i].len),
				      "segment %d: the device's data did not come back", i);
}

/* Fill swiotlb with bounced mappings until it refuses one, then empty it. */
static int fill_swiotlb(struct kunit *test, struct device *dev, u8 *buf,
			dma_addr_t *dma, int max)
{
	unsigned int line = dma_get_cache_alignment();
	int n;

	for (n = 0; n < max; n++) {
		dma[n] = dma_map_single(dev, buf + n * line + 8, 8, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, dma[n]))
			break;
		KUNIT_EXPECT_TRUE(test, is_bounced(dev, dma[n]));
	}
	return n;
}

static void unmap_all(struct device *dev, dma_addr_t *dma, int n)
{
	while (n--)
		dma_unmap_single(dev, dma[n], 8, DMA_FROM_DEVICE);
}

static void bounce_swiotlb_exhaustion(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	int max = dev->dma_io_tlb_mem->nslabs + 1;
	int first, second;
	dma_addr_t *dma;
	u8 *buf;

	dma = kunit_kcalloc(test, max, sizeof(*dma), GFP_KERNEL);
	buf = kunit_kzalloc(test, (size_t)max * line, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	first = fill_swiotlb(test, dev, buf, dma, max);
	KUNIT_ASSERT_LT_MSG(test, first, max,
			    "%d misaligned mappings fit in %lu slots",
			    max, dev->dma_io_tlb_mem->nslabs);
	KUNIT_EXPECT_GT(test, first, 0);
	KUNIT_EXPECT_EQ(test, dma[first], DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, dma_mapping_error(dev, dma[first]), -ENOMEM);
	unmap_all(dev, dma, first);

	/* Every slot came back: the pool takes as many mappings again. */
	second = fill_swiotlb(test, dev, buf, dma, max);
	KUNIT_EXPECT_EQ(test, second, first);
	unmap_all(dev, dma, second);
}

/* Without swiotlb, a misaligned mapping is made in place, as before v6.5. */
static void bounce_without_swiotlb(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	dev->dma_io_tlb_mem = NULL;

	KUNIT_EXPECT_FALSE(test, dma_needs_bounce(dev, virt_to_phys(buf + 8), 40,
						  DMA_FROM_DEVICE));
	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma), virt_to_phys(buf + 8));
	dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
}

static struct kunit_case bounce_decision_cases[] = {
	KUNIT_CASE_PARAM(bounce_decision_table, decision_gen_params),
	{}
};

static struct kunit_suite bounce_decision_suite = {
	.name = "dma-bounce-decision",
	.init = bounce_decision_init,
	.test_cases = bounce_decision_cases,
};

/* What the dma_bounce tracepoints reported for the test's device. */
struct trace_capture {
	struct device *dev;
	int maps, copy_backs;
	phys_addr_t orig, slot, back_orig, back_slot;
	size_t size, back_size;
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;
};

static void probe_bounce_map(void *data, struct device *dev, phys_addr_t orig,
			     phys_addr_t slot, size_t size,
			     enum dma_data_direction dir,
			     enum dma_bounce_reason reason)
{
	struct trace_capture *cap = data;

	if (dev != cap->dev)
		return;
	cap->maps++;
	cap->orig = orig;
	cap->slot = slot;
	cap->size = size;
	cap->dir = dir;
	cap->reason = reason;
}

static void probe_bounce_copy_back(void *data, struct device *dev,
				   phys_addr_t orig, phys_addr_t slot,
				   size_t size)
{
	struct trace_capture *cap = data;

	if (dev != cap->dev)
		return;
	cap->copy_backs++;
	cap->back_orig = orig;
	cap->back_slot = slot;
	cap->back_size = size;
}

static void unregister_probes(void *data)
{
	unregister_trace_dma_bounce_copy_back(probe_bounce_copy_back, data);
	unregister_trace_dma_bounce_map(probe_bounce_map, data);
	tracepoint_synchronize_unregister();
}

struct trace_case {
	const char *name;
	enum dma_bounce_policy policy;
	size_t offset;
	size_t len;
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;	/* DMA_BOUNCE_NONE: no event */
};

static const struct trace_case trace_cases[] = {
	{ "40 bytes at +8", DMA_BOUNCE_POLICY_MISALIGNED, 8, 40,
	  DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "40-byte prefix", DMA_BOUNCE_POLICY_MISALIGNED, 0, 40,
	  DMA_BIDIRECTIONAL, DMA_BOUNCE_TAIL },
	{ "8 bytes at +8", DMA_BOUNCE_POLICY_KMALLOC, 8, 8,
	  DMA_FROM_DEVICE, DMA_BOUNCE_SIZE },
	{ "512 bytes at +8", DMA_BOUNCE_POLICY_KMALLOC, 8, 512,
	  DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "two whole lines", DMA_BOUNCE_POLICY_MISALIGNED, 0, 128,
	  DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "40 bytes at +8", DMA_BOUNCE_POLICY_MISALIGNED, 8, 40,
	  DMA_TO_DEVICE, DMA_BOUNCE_NONE },
};

static void trace_case_desc(const struct trace_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s, %s policy", c->name,
		 dir_name(c->dir), dma_bounce_policy_name(c->policy));
}

KUNIT_ARRAY_PARAM(trace, trace_cases, trace_case_desc);

/* The tracepoints name the device, the memory and the reason of a bounce. */
static void bounce_tracepoints(struct kunit *test)
{
	const struct trace_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	struct trace_capture *cap;
	dma_addr_t dma;
	u8 *buf;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "CONFIG_TRACEPOINTS is not set");

	cap = kunit_kzalloc(test, sizeof(*cap), GFP_KERNEL);
	buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cap);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	cap->dev = dev;

	restore_policy_at_exit(test);
	KUNIT_ASSERT_EQ(test, dma_bounce_switch_policy(c->policy), 0);

	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_map(probe_bounce_map, cap), 0);
	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_copy_back(probe_bounce_copy_back,
								  cap), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_probes, cap), 0);

	dma = dma_map_single(dev, buf + c->offset, c->len, c->dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, c->len, c->dir);

	if (c->reason == DMA_BOUNCE_NONE) {
		KUNIT_EXPECT_EQ_MSG(test, cap->maps, 0, "%s was traced as bounced (%s)",
				    c->name, dma_bounce_reason_name(cap->reason));
		KUNIT_EXPECT_EQ(test, cap->copy_backs, 0);
		return;
	}

	KUNIT_ASSERT_EQ_MSG(test, cap->maps, 1, "%s: map events", c->name);
	KUNIT_EXPECT_EQ(test, cap->orig, virt_to_phys(buf + c->offset));
	KUNIT_EXPECT_EQ(test, cap->slot, dma_to_phys(dev, dma));
	KUNIT_EXPECT_TRUE(test, swiotlb_find_pool(dev, cap->slot));
	KUNIT_EXPECT_EQ(test, cap->size, c->len);
	KUNIT_EXPECT_EQ(test, cap->dir, c->dir);
	KUNIT_EXPECT_EQ_MSG(test, cap->reason, c->reason, "%s: reason %s, expected %s",
			    c->name, dma_bounce_reason_name(cap->reason),
			    dma_bounce_reason_name(c->reason));

	/* Undone once, at unmap, with every byte the device could write. */
	KUNIT_ASSERT_EQ_MSG(test, cap->copy_backs, 1, "%s: copy-back events", c->name);
	KUNIT_EXPECT_EQ(test, cap->back_orig, cap->orig);
	KUNIT_EXPECT_EQ(test, cap->back_slot, cap->slot);
	KUNIT_EXPECT_EQ(test, cap->back_size, c->len);
}

static struct kunit_case bounce_mapping_cases[] = {
	KUNIT_CASE_PARAM(bounce_device_and_direction, gate_gen_params),
	KUNIT_CASE_PARAM(bounce_round_trip, round_trip_gen_params),
	KUNIT_CASE(bounce_in_place),
	KUNIT_CASE(bounce_scatterlist),
	KUNIT_CASE(bounce_swiotlb_exhaustion),
	KUNIT_CASE(bounce_without_swiotlb),
	KUNIT_CASE_PARAM(bounce_tracepoints, trace_gen_params),
	{}
};

static struct kunit_suite bounce_mapping_suite = {
	.name = "dma-bounce-mapping",
	.test_cases = bounce_mapping_cases,
};

/*
 * dma-debug reports inbound mappings that share a cache line, unless both
 * can: bounced, or, on a coherent device, bounced on a non-coherent system.
 */
static struct device *debug_test_device(struct kunit *test, bool coherent)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "CONFIG_DMA_API_DEBUG is not set");

	dev = kunit_device_register(test, "dma-debug-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (dev_is_dma_coherent(dev) != coherent)
		set_dma_coherent(test, dev, coherent);
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
};

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

	buf = kunit_kzalloc(test, debug_scale(64 * c->lines), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	before = debug_dma_error_count();
	for (i = 0; i < 2; i++) {
		const struct debug_map *m = &c->map[i];

		dma[i] = dma_map_single_attrs(dev, buf + debug_scale(m->offset),
					      debug_scale(m->len), m->dir, m->attrs);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma[i]));
		KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, dma[i]),
				    c->bounced[i] && !p->coherent,
				    "mapping %d of %s", i, c->name);
	}
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count() - before, c->errors,
			    "%s, %s device: dma-debug errors",
			    c->name, p->coherent ? "coherent" : "non-coherent");

	for (i = 1; i >= 0; i--)
		dma_unmap_single_attrs(dev, dma[i], debug_scale(c->map[i].len),
				       c->map[i].dir, c->map[i].attrs);
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
	KUNIT_ASSERT_NOT_NULL_MSG(test, b, "no two of %d kmalloc(8) objects share a %u-byte line",
				  MAX_HELD_OBJS, line);

	before = debug_dma_error_count();
	dma_a = dma_map_single(dev, a, 8, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma_a));
	dma_b = dma_map_single(dev, b, 8, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma_b));
	KUNIT_EXPECT_EQ(test, is_bounced(dev, dma_a), !coherent);
	KUNIT_EXPECT_EQ(test, is_bounced(dev, dma_b), !coherent);
	KUNIT_EXPECT_EQ_MSG(test, debug_dma_error_count(), before,
			    "kmalloc(8) at %p and %p reported", a, b);
	dma_unmap_single(dev, dma_b, 8, DMA_FROM_DEVICE);
	dma_unmap_single(dev, dma_a, 8, DMA_FROM_DEVICE);
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
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	dma_addr_t dma;
	u32 before;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, dma));

	before = debug_dma_error_count();
	dma_unmap_single(dev, dma, 32, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);
}

/* Syncs of a bounced mapping match it; a sync past its end is an error. */
static void debug_bounced_sync(struct kunit *test)
{
	struct device *dev = debug_test_device(test, false);
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	dma_addr_t dma;
	u32 before;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	dma = dma_map_single(dev, buf + 8, 40, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, dma));

	before = debug_dma_error_count();
	dma_sync_single_for_cpu(dev, dma, 40, DMA_BIDIRECTIONAL);
	dma_sync_single_for_device(dev, dma, 40, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 0);

	dma_sync_single_for_cpu(dev, dma + 32, 16, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);

	dma_unmap_single(dev, dma, 40, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, debug_dma_error_count() - before, 1);
}

static struct kunit_case bounce_debug_cases[] = {
	KUNIT_CASE_PARAM(debug_overlap, debug_gen_params),
	KUNIT_CASE_PARAM(debug_kmalloc_neighbours, coherence_gen_params),
	KUNIT_CASE(debug_bounced_wrong_size),
	KUNIT_CASE(debug_bounced_sync),
	{}
};

static struct kunit_suite bounce_debug_suite = {
	.name = "dma-bounce-debug",
	.test_cases = bounce_debug_cases,
};

struct parse_case {
	const char *str;
	int ret;
	enum dma_bounce_policy policy;
};

static const struct parse_case parse_cases[] = {
	{ "misaligned", 0, DMA_BOUNCE_POLICY_MISALIGNED },
	{ "kmalloc", 0, DMA_BOUNCE_POLICY_KMALLOC },
	{ "off", 0, DMA_BOUNCE_POLICY_OFF },
	{ "kmalloc\n", 0, DMA_BOUNCE_POLICY_KMALLOC },
	{ "", -EINVAL },
	{ "Misaligned", -EINVAL },
	{ "kmalloc ", -EINVAL },
	{ "on", -EINVAL },
	{ "misaligned,kmalloc", -EINVAL },
	{ NULL, -EINVAL },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->str ?: "(null)");
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void bounce_parse_policy(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	enum dma_bounce_policy policy = 42;
	int ret = dma_bounce_parse_policy(c->str, &policy);

	KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "parsing \"%s\"", c->str ?: "(null)");
	if (c->ret)
		KUNIT_EXPECT_EQ_MSG(test, policy, 42, "\"%s\" changed the policy",
				    c->str ?: "(null)");
	else
		KUNIT_EXPECT_EQ_MSG(test, policy, c->policy, "parsing \"%s\"", c->str);
}

static enum dma_bounce_policy default_policy(void)
{
	if (IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED))
		return DMA_BOUNCE_POLICY_MISALIGNED;
	if (IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return DMA_BOUNCE_POLICY_KMALLOC;
	return DMA_BOUNCE_POLICY_OFF;
}

static bool policy_built_in(enum dma_bounce_policy policy)
{
	if (policy == DMA_BOUNCE_POLICY_MISALIGNED)
		return IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED);
	if (policy == DMA_BOUNCE_POLICY_KMALLOC)
		return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC);
	return true;
}

/* The policy in force is what dma_bounce= asked for, or the default. */
static void bounce_boot_parameter(struct kunit *test)
{
	enum dma_bounce_policy want = default_policy(), policy;
	char *arg, val[32];

	arg = strstr(saved_command_line, "dma_bounce=");
	if (arg) {
		arg += strlen("dma_bounce=");
		strscpy(val, arg, min_t(size_t, sizeof(val), strcspn(arg, " ") + 1));
		if (!dma_bounce_parse_policy(val, &policy) && policy_built_in(policy))
			want = policy;
	}

	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_get_policy(), want,
			    "booted with \"%s\": policy %s, expected %s",
			    saved_command_line,
			    dma_bounce_policy_name(dma_bounce_get_policy()),
			    dma_bounce_policy_name(want));
	kunit_info(test, "policy %s\n", dma_bounce_policy_name(dma_bounce_get_policy()));
}

/* kmalloc() stays 8-byte aligned with DMA_API_DEBUG, unless booted "off". */
static void bounce_kmalloc_minalign(struct kunit *test)
{
	unsigned int line = dma_get_cache_alignment();

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "CONFIG_DMA_API_DEBUG is not set");

	if (dma_bounce_get_policy() == DMA_BOUNCE_POLICY_OFF &&
	    IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		KUNIT_EXPECT_EQ_MSG(test, kmalloc_size_roundup(8), (size_t)line,
				    "dma_bounce=off must align kmalloc() to the %u-byte line",
				    line);
	else
		KUNIT_EXPECT_EQ_MSG(test, kmalloc_size_roundup(8), (size_t)8,
				    "policy %s, cache line %u",
				    dma_bounce_policy_name(dma_bounce_get_policy()), line);
}

/* Only the two bouncing policies replace each other at run time. */
static void bounce_switch_policy(struct kunit *test)
{
	enum dma_bounce_policy cur = dma_bounce_get_policy();

	restore_policy_at_exit(test);

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED)) {
		KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_MISALIGNED),
				-EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, dma_bounce_get_policy(), cur);
		return;
	}

	if (cur == DMA_BOUNCE_POLICY_OFF) {
		KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_MISALIGNED),
				-EPERM);
		KUNIT_EXPECT_EQ(test, dma_bounce_get_policy(), DMA_BOUNCE_POLICY_OFF);
		return;
	}

	KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_OFF), -EPERM);
	KUNIT_EXPECT_EQ(test, dma_bounce_get_policy(), cur);
	KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_KMALLOC), 0);
	KUNIT_EXPECT_EQ(test, dma_bounce_get_policy(), DMA_BOUNCE_POLICY_KMALLOC);
	KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_MISALIGNED), 0);
	KUNIT_EXPECT_EQ(test, dma_bounce_get_policy(), DMA_BOUNCE_POLICY_MISALIGNED);
	KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(cur), 0);
}

/* A switch leaves mappings in flight correct: unmap finds the bounce. */
static void bounce_switch_in_flight(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	dma_addr_t small, large;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	restore_policy_at_exit(test);
	memset(buf, BUF_OLD, 1024);

	/* Both bounced by "misaligned" only, being 256 bytes or more. */
	large = dma_map_single(dev, buf + 8, 512, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, large));
	KUNIT_ASSERT_TRUE(test, is_bounced(dev, large));

	KUNIT_ASSERT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_KMALLOC), 0);
	small = dma_map_single(dev, buf + 648, 256, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, small));
	KUNIT_EXPECT_FALSE(test, is_bounced(dev, small));
	memset(device_view(dev, large), BUF_DEVICE, 512);
	dma_unmap_single(dev, large, 512, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, dma_bounce_switch_policy(DMA_BOUNCE_POLICY_MISALIGNED), 0);
	dma_unmap_single(dev, small, 256, DMA_FROM_DEVICE);

	KUNIT_EXPECT_TRUE(test, all_bytes(buf + 8, BUF_DEVICE, 512));
	KUNIT_EXPECT_TRUE(test, all_bytes(buf, BUF_OLD, 8));
	KUNIT_EXPECT_TRUE(test, all_bytes(buf + 520, BUF_OLD, 1024 - 520));
}

static struct kunit_case bounce_policy_cases[] = {
	KUNIT_CASE(bounce_boot_parameter),
	KUNIT_CASE(bounce_kmalloc_minalign),
	KUNIT_CASE_PARAM(bounce_parse_policy, parse_gen_params),
	KUNIT_CASE(bounce_switch_policy),
	KUNIT_CASE(bounce_switch_in_flight),
	{}
};

static struct kunit_suite bounce_policy_suite = {
	.name = "dma-bounce-policy",
	.test_cases = bounce_policy_cases,
};

/*
 * Per-device statistics: what dma_bounce_count() adds for one mapping, on a
 * non-coherent device under the misaligned policy.
 */
struct stats_case {
	const char *name;
	size_t offset;		/* into a 1024-byte kmalloc() object */
	size_t len;		/* in cache lines if @lines, else in bytes */
	bool lines;
	enum dma_data_direction dir;
	bool counted;		/* an inbound mapping */
	enum dma_bounce_reason reason;	/* counted as bounced for, or NONE */
};

static const struct stats_case stats_cases[] = {
	{ "two whole lines", 0, 2, true, DMA_FROM_DEVICE, true, DMA_BOUNCE_NONE },
	{ "40 bytes at +8", 8, 40, false, DMA_FROM_DEVICE, true, DMA_BOUNCE_HEAD },
	{ "40 bytes at +8", 8, 40, false, DMA_BIDIRECTIONAL, true, DMA_BOUNCE_HEAD },
	{ "100-byte prefix", 0, 100, false, DMA_FROM_DEVICE, true, DMA_BOUNCE_TAIL },
	{ "40 bytes at +8", 8, 40, false, DMA_TO_DEVICE, false, DMA_BOUNCE_NONE },
	{ "two whole lines", 0, 2, true, DMA_TO_DEVICE, false, DMA_BOUNCE_NONE },
};

static void stats_case_desc(const struct stats_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s", c->name, dir_name(c->dir));
}

KUNIT_ARRAY_PARAM(stats, stats_cases, stats_case_desc);

static void expect_stats(struct kunit *test, struct device *dev,
			 const u64 *want, const char *what)
{
	struct dma_bounce_stats got;
	int i;

	dma_bounce_stats_read(dev, &got);
	for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
		KUNIT_EXPECT_EQ_MSG(test, got.count[i], want[i], "%s: %s counter",
				    what, dma_bounce_stat_name(i));
}

/*
 * Expect @n inbound mappings of @len bytes each, all bounced for @reason,
 * or all mapped in place if it is %DMA_BOUNCE_NONE.
 */
static void expect_mappings(struct kunit *test, struct device *dev, u64 n,
			    enum dma_bounce_reason reason, size_t len,
			    const char *what)
{
	u64 want[DMA_BOUNCE_NR_STATS] = {};

	want[DMA_BOUNCE_STAT_SEEN] = n;
	if (reason != DMA_BOUNCE_NONE) {
		want[reason] = n;
		want[DMA_BOUNCE_STAT_BYTES] = n * len;
	}
	expect_stats(test, dev, want, what);
}

/* A device that counts: non-coherent, with swiotlb, counting switched on. */
static struct device *stats_test_device(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_STATS))
		kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
	if (!dma_bounce_stats_enabled())
		kunit_skip(test, "counting switched off in dma_bounce/stats_enabled");
	return dev;
}

/* Each mapping moves exactly the counters of its direction and reason. */
static void stats_one_mapping(struct kunit *test)
{
	const struct stats_case *c = test->param_value;
	struct device *dev = stats_test_device(test);
	size_t len = c->lines ? c->len * dma_get_cache_alignment() : c->len;
	dma_addr_t dma;
	u8 *buf;

	buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	dma = dma_map_single(dev, buf + c->offset, len, c->dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, len, c->dir);

	expect_mappings(test, dev, c->counted, c->reason, len, c->name);
}

/* A scatterlist counts as one mapping per segment. */
static void stats_scatterlist(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	u8 *buf = kunit_kmalloc(test, 8 * line, GFP_KERNEL);
	u64 want[DMA_BOUNCE_NR_STATS] = {};
	struct scatterlist sgl[3];
	int nents;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	sg_init_table(sgl, 3);
	sg_set_buf(&sgl[0], buf, line);			/* in place */
	sg_set_buf(&sgl[1], buf + 2 * line + 8, 40);	/* head */
	sg_set_buf(&sgl[2], buf + 4 * line + 8, 40);	/* head */

	nents = dma_map_sg(dev, sgl, 3, DMA_FROM_DEVICE);
	KUNIT_ASSERT_EQ(test, nents, 3);
	dma_unmap_sg(dev, sgl, 3, DMA_FROM_DEVICE);

	want[DMA_BOUNCE_STAT_SEEN] = 3;
	want[DMA_BOUNCE_STAT_HEAD] = 2;
	want[DMA_BOUNCE_STAT_BYTES] = 80;
	expect_stats(test, dev, want, "three segments, two misaligned");
}

/* Reset starts from zero, and counting goes on from there. */
static void stats_reset(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	struct dma_bounce_stats got;
	dma_addr_t dma;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_read(dev, &got), -ENOENT,
			    "a new device has statistics");

	for (i = 0; i < 5; i++) {
		dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
		dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
	}
	KUNIT_ASSERT_EQ(test, dma_bounce_stats_read(dev, &got), 0);
	KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_HEAD], 5);

	dma_bounce_stats_reset(dev);
	expect_mappings(test, dev, 0, DMA_BOUNCE_NONE, 0, "after reset");

	dma = dma_map_single(dev, buf, 100, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, 100, DMA_FROM_DEVICE);

	expect_mappings(test, dev, 1, DMA_BOUNCE_TAIL, 100, "one mapping after reset");
}

/* A mapping that swiotlb has no slot for is counted as refused, not bounced. */
static void stats_refused(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	int max = dev->dma_io_tlb_mem->nslabs + 1;
	u64 want[DMA_BOUNCE_NR_STATS] = {};
	dma_addr_t *dma;
	int bounced;
	u8 *buf;

	dma = kunit_kcalloc(test, max, sizeof(*dma), GFP_KERNEL);
	buf = kunit_kzalloc(test, (size_t)max * line, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	bounced = fill_swiotlb(test, dev, buf, dma, max);
	KUNIT_ASSERT_LT(test, bounced, max);
	unmap_all(dev, dma, bounced);

	want[DMA_BOUNCE_STAT_SEEN] = bounced + 1;
	want[DMA_BOUNCE_STAT_HEAD] = bounced;
	want[DMA_BOUNCE_STAT_BYTES] = 8 * bounced;
	want[DMA_BOUNCE_STAT_REFUSED] = 1;
	expect_stats(test, dev, want, "swiotlb filled up");
}

/* A coherent device has nothing to bounce, and nothing is counted. */
static void stats_coherent(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	struct dma_bounce_stats got;
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	set_dma_coherent(test, dev, true);

	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);

	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_read(dev, &got), -ENOENT,
			    "a coherent device has statistics");
}

static void stats_enable_again(void *unused)
{
	dma_bounce_stats_enable(true);
}

/* Switched off, counting stops; what was counted stays. */
static void stats_switched_off(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	dma_addr_t dma;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stats_enable_again,
							NULL), 0);

	/* The first mapping is counted, then counting is switched off. */
	for (i = 0; i < 2; i++) {
		dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
		dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
		dma_bounce_stats_enable(false);
	}

	expect_mappings(test, dev, 1, DMA_BOUNCE_HEAD, 40, "one mapping counted, one not");
}

#define STATS_THREAD_MAPPINGS	2000

struct stats_thread {
	struct device *dev;
	u8 *buf;
	int errors;
	struct completion done;
};

static int stats_thread_fn(void *data)
{
	struct stats_thread *t = data;
	dma_addr_t dma;
	int i;

	for (i = 0; i < STATS_THREAD_MAPPINGS; i++) {
		dma = dma_map_single(t->dev, t->buf + 8, 40, DMA_FROM_DEVICE);
		if (dma_mapping_error(t->dev, dma)) {
			t->errors++;
			continue;
		}
		dma_unmap_single(t->dev, dma, 40, DMA_FROM_DEVICE);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

/* Two threads, on two CPUs when there are two, lose no count. */
static void stats_concurrent(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	struct stats_thread *t;
	struct task_struct *task;
	int i;

	t = kunit_kcalloc(test, 2, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);

	for (i = 0; i < 2; i++) {
		t[i].dev = dev;
		t[i].buf = kunit_kmalloc(test, 256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t[i].buf);
		init_completion(&t[i].done);
		task = kthread_create(stats_thread_fn, &t[i], "dma-bounce-stats/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		if (num_online_cpus() > 1)
			kthread_bind(task, i % num_online_cpus());
		wake_up_process(task);
	}
	for (i = 0; i < 2; i++) {
		wait_for_completion(&t[i].done);
		KUNIT_EXPECT_EQ_MSG(test, t[i].errors, 0, "thread %d: mapping errors", i);
	}

	expect_mappings(test, dev, 2 * STATS_THREAD_MAPPINGS, DMA_BOUNCE_HEAD, 40,
			num_online_cpus() > 1 ? "two threads on two CPUs" :
						"two threads on one CPU");
}

/* Audit mode: what a coherent device's mappings would do without coherence. */
struct audit_case {
	const char *name;
	size_t offset;		/* into a 1024-byte kmalloc() object */
	size_t len;
	unsigned int line;	/* audited against */
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;	/* would-be bounce, NONE for none */
};

static const struct audit_case audit_cases[] = {
	{ "40 bytes at +8", 8, 40, 128, DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "40 bytes at +8", 8, 40, 128, DMA_BIDIRECTIONAL, DMA_BOUNCE_HEAD },
	{ "100-byte prefix", 0, 100, 128, DMA_FROM_DEVICE, DMA_BOUNCE_TAIL },
	{ "64 bytes at +64", 64, 64, 64, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "64 bytes at +64", 64, 64, 128, DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "two whole lines", 0, 256, 128, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "40 bytes at +8", 8, 40, 128, DMA_TO_DEVICE, DMA_BOUNCE_NONE },
};

static void audit_case_desc(const struct audit_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s, %u-byte line", c->name,
		 dir_name(c->dir), c->line);
}

KUNIT_ARRAY_PARAM(audit, audit_cases, audit_case_desc);

struct audit_capture {
	struct device *dev;
	int events;
	phys_addr_t orig;
	size_t size;
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;
};

static void probe_bounce_audit(void *data, struct device *dev, phys_addr_t orig,
			       size_t size, enum dma_data_direction dir,
			       enum dma_bounce_reason reason)
{
	struct audit_capture *cap = data;

	if (dev != cap->dev)
		return;
	cap->events++;
	cap->orig = orig;
	cap->size = size;
	cap->dir = dir;
	cap->reason = reason;
}

static void unregister_audit_probe(void *data)
{
	unregister_trace_dma_bounce_audit(probe_bounce_audit, data);
	tracepoint_synchronize_unregister();
}

static void restore_audit(void *line)
{
	dma_bounce_set_audit((uintptr_t)line);
}

/* A coherent device, with audit mode checking against @line until the end. */
static struct device *audit_test_device(struct kunit *test, unsigned int line)
{
	uintptr_t cur = dma_bounce_audit_line();
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_STATS))
		kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");

	dev = kunit_device_register(test, "dma-bounce-audit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (!dev_is_dma_coherent(dev))
		set_dma_coherent(test, dev, true);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_audit,
							(void *)cur), 0);
	dma_bounce_set_audit(line);
	return dev;
}

/* Audit mode counts and traces what would bounce, and bounces nothing. */
static void audit_mapping(struct kunit *test)
{
	const struct audit_case *c = test->param_value;
	struct device *dev = audit_test_device(test, c->line);
	struct audit_capture *cap;
	dma_addr_t dma;
	u8 *buf;

	cap = kunit_kzalloc(test, sizeof(*cap), GFP_KERNEL);
	buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cap);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	cap->dev = dev;
	if (IS_ENABLED(CONFIG_TRACEPOINTS)) {
		KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_audit(probe_bounce_audit,
								      cap), 0);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_audit_probe,
								cap), 0);
	}

	dma = dma_map_single(dev, buf + c->offset, c->len, c->dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ_MSG(test, dma_to_phys(dev, dma), virt_to_phys(buf + c->offset),
			    "%s: audit mode changed the mapping", c->name);
	KUNIT_EXPECT_FALSE(test, swiotlb_find_pool(dev, dma_to_phys(dev, dma)));
	dma_unmap_single(dev, dma, c->len, c->dir);

	expect_mappings(test, dev, c->dir != DMA_TO_DEVICE, c->reason, c->len,
			c->name);

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return;
	if (c->reason == DMA_BOUNCE_NONE) {
		KUNIT_EXPECT_EQ_MSG(test, cap->events, 0, "%s: audit events", c->name);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, cap->events, 1, "%s: audit events", c->name);
	KUNIT_EXPECT_EQ(test, cap->orig, virt_to_phys(buf + c->offset));
	KUNIT_EXPECT_EQ(test, cap->size, c->len);
	KUNIT_EXPECT_EQ(test, cap->dir, c->dir);
	KUNIT_EXPECT_EQ_MSG(test, cap->reason, c->reason, "%s: reason %s, expected %s",
			    c->name, dma_bounce_reason_name(cap->reason),
			    dma_bounce_reason_name(c->reason));
}

/* Switched off, audit mode counts nothing. */
static void audit_off(struct kunit *test)
{
	struct device *dev = audit_test_device(test, 0);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	struct dma_bounce_stats got;
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);

	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_read(dev, &got), -ENOENT,
			    "a coherent device was counted with audit mode off");
}

struct audit_parse_case {
	const char *str;
	int ret;
	unsigned int line;
};

static const struct audit_parse_case audit_parse_cases[] = {
	{ "on", 0, 128 }, { "off", 0, 0 }, { "on\n", 0, 128 }, { "0", 0, 0 },
	{ "64", 0, 64 }, { "8", 0, 8 }, { "4096", 0, 4096 },
	{ "4", -EINVAL, 0 }, { "96", -EINVAL, 0 }, { "8192", -EINVAL, 0 },
	{ "-64", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "yes", -EINVAL, 0 },
};

static void audit_parse_case_desc(const struct audit_parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.*s\"",
		 (int)strcspn(c->str, "\n"), c->str);
}

KUNIT_ARRAY_PARAM(audit_parse, audit_parse_cases, audit_parse_case_desc);

/* dma_bounce_audit= and dma_bounce/audit accept these values only. */
static void audit_parse(struct kunit *test)
{
	const struct audit_parse_case *c = test->param_value;
	unsigned int line = 12345;
	int ret;

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_STATS))
		kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");
	if (c->line > PAGE_SIZE)
		kunit_skip(test, "%u is larger than a page here", c->line);

	ret = dma_bounce_parse_audit(c->str, &line);
	KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "dma_bounce_audit=%s", c->str);
	if (!c->ret)
		KUNIT_EXPECT_EQ_MSG(test, line, c->line, "dma_bounce_audit=%s", c->str);
	else
		KUNIT_EXPECT_EQ_MSG(test, line, 12345, "a bad value changed the line");
}

static struct kunit_case bounce_stats_cases[] = {
	KUNIT_CASE_PARAM(stats_one_mapping, stats_gen_params),
	KUNIT_CASE(stats_scatterlist),
	KUNIT_CASE(stats_reset),
	KUNIT_CASE(stats_refused),
	KUNIT_CASE(stats_coherent),
	KUNIT_CASE(stats_switched_off),
	KUNIT_CASE(stats_concurrent),
	KUNIT_CASE_PARAM(audit_mapping, audit_gen_params),
	KUNIT_CASE(audit_off),
	KUNIT_CASE_PARAM(audit_parse, audit_parse_gen_params),
	{}
};

static struct kunit_suite bounce_stats_suite = {
	.name = "dma-bounce-stats",
	.test_cases = bounce_stats_cases,
};

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
			if (unlikely(!dma_map_sg(dev, m->sgl, m->nents,
						 DMA_FROM_DEVICE))) {
				(*errors)++;
				continue;
			}
			dma_unmap_sg(dev, m->sgl, m->nents, DMA_FROM_DEVICE);
			continue;
		}
		dma = dma_map_single(dev, m->buf, m->len, DMA_FROM_DEVICE);
		if (unlikely(dma_mapping_error(dev, dma))) {
			(*errors)++;
			continue;
		}
		dma_unmap_single(dev, dma, m->len, DMA_FROM_DEVICE);
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

	m.buf = kunit_kmalloc(test, m.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stats_enable_again,
							NULL), 0);

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
 * What each policy costs the mappings drivers make: a page, kmalloc objects
 * that fill their cache lines, and buffers that share their first line with
 * the 8 bytes before them; mapped single and as a scatterlist of four such
 * buffers, under each policy in alternate rounds. "off" never bounces: for
 * a buffer no policy bounces, the ratio to it is the cost of the decision;
 * for the others, of the bounce too.
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
	{ "misaligned-1500",	2048,	8,	1500 },
};

/*
 * The decision alone, without the mapping: for whole lines (the fast path),
 * a tail in the slack of its own kmalloc object (a slab lookup) and a
 * shared first line.
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

/*
 * Set the policy directly, "off" included, which dma_bounce_switch_policy()
 * refuses on a running system: kmalloc() objects that share cache lines
 * would no longer be bounced. Nothing here is transferred, only mapped and
 * unmapped, and the booted policy is back when the benchmark ends.
 */
static void bench_set_policy(enum dma_bounce_policy policy)
{
	WRITE_ONCE(dma_bounce_policy, policy);
}

static void bench_restore_policy(void *policy)
{
	bench_set_policy((uintptr_t)policy);
}

static void bench_free_page(void *page)
{
	__free_page(page);
}

static void *bench_buffer_alloc(struct kunit *test, const struct bench_buffer *b)
{
	struct page *page;
	u8 *p;

	if (b->alloc) {
		p = kunit_kmalloc(test, b->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		return p + b->offset;
	}
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_free_page,
							page), 0);
	return page_address(page) + b->offset;
}

/* The time of one decision for @m, averaged over @m->n. */
static u64 bench_decide(struct device *dev, const struct bench_mapping *m,
			int *errors)
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
		bounces += dma_bounce_reason(dev, p, m->len, DMA_FROM_DEVICE) !=
			   DMA_BOUNCE_NONE;
	}
	OPTIMIZER_HIDE_VAR(bounces);
	return div_u64(ktime_get_ns() - start, m->n);
}

/* Median times of @fn under each policy, measured in alternate rounds. */
static void bench_each_policy(struct kunit *test, struct device *dev,
			      u64 (*fn)(struct device *dev,
					const struct bench_mapping *m,
					int *errors),
			      const struct bench_mapping *m, u64 *med)
{
	u64 t[BENCH_POLICIES][BENCH_ROUNDS];
	int errors = 0, r, p;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		for (p = 0; p < BENCH_POLICIES; p++) {
			bench_set_policy(bench_policies[p]);
			t[p][r] = fn(dev, m, &errors);
		}
		cond_resched();
	}
	KUNIT_ASSERT_EQ_MSG(test, errors, 0, "%s: %d mappings failed",
			    m->name, errors);
	for (p = 0; p < BENCH_POLICIES; p++)
		med[p] = median(t[p], BENCH_ROUNDS);
}

/* Is @m bounced under the policy in force? Its first buffer tells. */
static bool bench_bounced(struct kunit *test, struct device *dev,
			  const struct bench_mapping *m)
{
	dma_addr_t dma;
	bool bounced;

	if (m->sgl) {
		KUNIT_ASSERT_EQ(test, dma_map_sg(dev, m->sgl, m->nents,
						 DMA_FROM_DEVICE), m->nents);
		bounced = is_bounced(dev, sg_dma_address(m->sgl));
		dma_unmap_sg(dev, m->sgl, m->nents, DMA_FROM_DEVICE);
		return bounced;
	}
	dma = dma_map_single(dev, m->buf, m->len, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	bounced = is_bounced(dev, dma);
	dma_unmap_single(dev, dma, m->len, DMA_FROM_DEVICE);
	return bounced;
}

/*
 * Which policies bounce @m, in words for the figures, which are only worth
 * printing if each mapping did what its policy decided.
 */
static void bench_check_bounces(struct kunit *test, struct device *dev,
				const struct bench_mapping *m,
				const char **what)
{
	phys_addr_t phys = virt_to_phys(m->buf);
	bool bounced, decided;
	int p;

	for (p = 0; p < BENCH_POLICIES; p++) {
		bench_set_policy(bench_policies[p]);
		bounced = bench_bounced(test, dev, m);
		decided = dma_bounce_reason(dev, phys, m->len, DMA_FROM_DEVICE) !=
			  DMA_BOUNCE_NONE;
		KUNIT_ASSERT_EQ_MSG(test, bounced, decided,
				    "%s under dma_bounce=%s", m->name,
				    dma_bounce_policy_name(bench_policies[p]));
		what[p] = bounced ? "bounced" : "in place";
	}
}

/*
 * Measure @fn on @m under each policy, after checking that each policy
 * bounces it or not as it decides, and print the figures with their ratios.
 */
static void bench_report(struct kunit *test, struct device *dev,
			 u64 (*fn)(struct device *dev,
				   const struct bench_mapping *m, int *errors),
			 const struct bench_mapping *m, const char *what,
			 const char *how)
{
	const char *bounced[BENCH_POLICIES];
	u64 med[BENCH_POLICIES];
	u32 k, mis, mk;

	bench_check_bounces(test, dev, m, bounced);
	bench_each_policy(test, dev, fn, m, med);

	k = permille(med[1], med[0]);
	mis = permille(med[2], med[0]);
	mk = permille(med[2], med[1]);
	kunit_info(test, "bench: %-10s %-15s %-6s off %6llu ns | kmalloc %6llu ns %-8s x%u.%03u | misaligned %6llu ns %-8s x%u.%03u | misaligned/kmalloc %u.%03u\n",
		   what, m->name, how, med[0], med[1], bounced[1],
		   k / 1000, k % 1000, med[2], bounced[2], mis / 1000, mis % 1000,
		   mk / 1000, mk % 1000);
}

static void bench_policy_cost(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	uintptr_t booted = dma_bounce_get_policy();
	struct scatterlist sgl[BENCH_SG_ENTRIES];
	int i, j;

	if (!policy_built_in(DMA_BOUNCE_POLICY_KMALLOC))
		kunit_skip(test, "CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC is not set");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_restore_policy,
							(void *)booted), 0);

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

		bench_report(test, dev, bench_map_unmap, &m, "map+unmap", "single");

		m.sgl = sgl;
		m.nents = BENCH_SG_ENTRIES;
		bench_report(test, dev, bench_map_unmap, &m, "map+unmap", "sg x4");
	}

	for (i = 0; i < ARRAY_SIZE(bench_decision_buffers); i++) {
		const struct bench_buffer *b = &bench_decision_buffers[i];
		struct bench_mapping m = {
			.name = b->name, .len = b->len, .n = BENCH_DECISIONS,
			.buf = bench_buffer_alloc(test, b),
		};

		bench_report(test, dev, bench_decide, &m, "decision", "");
	}
}

static struct kunit_case bounce_bench_cases[] = {
	KUNIT_CASE_SLOW(bench_counting),
	KUNIT_CASE_SLOW(bench_policy_cost),
	{}
};

static struct kunit_suite bounce_bench_suite = {
	.name = "bench-dma-bounce",
	.test_cases = bounce_bench_cases,
};

kunit_test_suites(&bounce_decision_suite, &bounce_mapping_suite,
		  &bounce_debug_suite, &bounce_policy_suite, &bounce_stats_suite,
		  &bounce_bench_suite);
