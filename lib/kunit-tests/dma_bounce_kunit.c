// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for bounce-on-misalignment: the decision, taken on real slab
 * and page allocator memory, the mappings that dma-direct makes with it on
 * a non-coherent device, and the policy.
 */
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/page_frag_cache.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/dma_bounce.h>

#include "dma_bounce_kunit.h"

/* Where the memory of a decision case comes from. */
enum bounce_mem {
	MEM_KMALLOC,	/* kmalloc(alloc), an object aligned to the line */
	MEM_HWCACHE,	/* a SLAB_HWCACHE_ALIGN cache of alloc-byte objects */
	MEM_PADDED,	/* a cache of alloc-byte objects aligned to 64 bytes */
	MEM_SENSE,	/* a mergeable SLAB_HWCACHE_ALIGN cache of 96-byte objects */
	MEM_PAGE,	/* alloc_page() */
	MEM_FOLIO,	/* folio_alloc() of the order that holds alloc bytes */
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
	/* Objects are owned up to their size class, never beyond. */
	{ "kmalloc(70) whole, class 96", MEM_KMALLOC, 70, 0, 70, 64, DMA_BOUNCE_TAIL },
	{ "kmalloc(130) whole, class 192", MEM_KMALLOC, 130, 0, 130, 64, DMA_BOUNCE_NONE },
	/*
	 * Caches that pad their objects to 64 bytes: an object owns its
	 * padding, so its line when lines are 64 bytes, never a longer one.
	 */
	{ "hwcache-40 object whole", MEM_HWCACHE, 40, 0, 40, 64, DMA_BOUNCE_NONE },
	{ "hwcache-40 object whole", MEM_HWCACHE, 40, 0, 40, 128, DMA_BOUNCE_TAIL },
	{ "hwcache-40 first 8 bytes", MEM_HWCACHE, 40, 0, 8, 64, DMA_BOUNCE_TAIL },
	{ "padded-24 object whole", MEM_PADDED, 24, 0, 24, 64, DMA_BOUNCE_NONE },
	{ "padded-24 object whole", MEM_PADDED, 24, 0, 24, 128, DMA_BOUNCE_TAIL },
	/* The page allocator owns no slack. */
	{ "page whole", MEM_PAGE, PAGE_SIZE, 0, PAGE_SIZE, 128, DMA_BOUNCE_NONE },
	{ "page: 100 bytes at +0", MEM_PAGE, PAGE_SIZE, 0, 100, 128, DMA_BOUNCE_TAIL },
	{ "page: from +8 to the end", MEM_PAGE, PAGE_SIZE, 8, PAGE_SIZE - 8, 128, DMA_BOUNCE_HEAD },
	{ "page: 64 bytes at +64", MEM_PAGE, PAGE_SIZE, 64, 64, 64, DMA_BOUNCE_NONE },
	/*
	 * kmalloc() objects too large for its caches are compound pages that
	 * own their slack; the page allocator's own compound pages do not.
	 */
	{ "kmalloc(10000) whole", MEM_KMALLOC, 10000, 0, 10000, 128, DMA_BOUNCE_NONE },
	{ "large kmalloc whole", MEM_KMALLOC, KMALLOC_MAX_CACHE_SIZE + 8, 0,
	  KMALLOC_MAX_CACHE_SIZE + 8, 128, DMA_BOUNCE_NONE },
	{ "large kmalloc: prefix below its class", MEM_KMALLOC, KMALLOC_MAX_CACHE_SIZE + 8,
	  0, KMALLOC_MAX_CACHE_SIZE - 8, 128, DMA_BOUNCE_TAIL },
	{ "large kmalloc: 40 bytes at +8", MEM_KMALLOC, KMALLOC_MAX_CACHE_SIZE + 8, 8, 40,
	  128, DMA_BOUNCE_HEAD },
	{ "folio of 10000 bytes, whole", MEM_FOLIO, 10000, 0, 10000, 128, DMA_BOUNCE_TAIL },
};

static void decision_case_desc(const struct decision_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, L=%u", c->name, c->line);
}

KUNIT_ARRAY_PARAM(decision, decision_cases, decision_case_desc);

/* The size rule of v6.5, for the table: it looks at the size only. */
static bool size_rule_bounces(size_t len, unsigned int line)
{
	return !(len >= 2 * ARCH_DMA_MINALIGN ||
		 IS_ALIGNED(kmalloc_size_roundup(len), line));
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
	struct kmem_cache *sense;
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
	/*
	 * Mergeable, as SCSI's sense buffer cache is: 96 bytes, padded to
	 * 128, which SLUB would merge into kmalloc-128 without the policy.
	 */
	ctx->sense = test_cache_create(test, "dma_bounce_sense96", 96, 0,
				       SLAB_HWCACHE_ALIGN);
	/* Created after the caches, so freed before they are destroyed. */
	ctx->held = held_objs_alloc(test);
	if (!ctx->hwcache || !ctx->padded || !ctx->sense || !ctx->held)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

static const char * const mem_names[] = {
	[MEM_KMALLOC] = "kmalloc",
	[MEM_HWCACHE] = "hwcache",
	[MEM_PADDED] = "padded",
	[MEM_SENSE] = "sense-96",
	[MEM_PAGE] = "page",
	[MEM_FOLIO] = "folio",
};

/*
 * Allocate objects until one starts a line, so that the expected reason
 * does not depend on where the allocator placed the object. The objects
 * passed over stay allocated until the test ends. Nothing else is allocated
 * meanwhile, so consecutive objects come from consecutive slots.
 */
static void *alloc_line_aligned(struct kunit *test, const struct decision_case *c)
{
	struct bounce_decision_ctx *ctx = test->priv;
	unsigned long stride;
	void *obj = NULL;

	while (ctx->held->nr < MAX_HELD_OBJS) {
		if (c->mem == MEM_HWCACHE)
			obj = kmem_cache_alloc(ctx->hwcache, GFP_KERNEL);
		else if (c->mem == MEM_SENSE)
			obj = kmem_cache_alloc(ctx->sense, GFP_KERNEL);
		else if (c->mem == MEM_PADDED)
			obj = kmem_cache_alloc(ctx->padded, GFP_KERNEL);
		else
			obj = kmalloc(c->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		ctx->held->obj[ctx->held->nr++] = obj;
		if (IS_ALIGNED((unsigned long)obj, c->line))
			return obj;
	}
	/*
	 * Objects lie at one offset modulo their stride: when no multiple
	 * of the line is among them, this kernel's slab layout has no such
	 * object, and the row cannot be asked here.
	 */
	stride = held_objs_stride(ctx->held);
	if (stride && (unsigned long)obj % gcd(stride, c->line))
		kunit_skip(test,
			   "no %zu-byte %s object starts a %u-byte line in this slab layout (objects %lu bytes apart, at %lu modulo that)",
			   c->alloc, mem_names[c->mem], c->line, stride,
			   (unsigned long)obj % stride);
	KUNIT_FAIL(test, "no %zu-byte object aligned to %u in %d tries",
		   c->alloc, c->line, MAX_HELD_OBJS);
	return NULL;
}

KUNIT_DEFINE_ACTION_WRAPPER(free_page_action, __free_page, struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(folio_put_action, folio_put, struct folio *);

/* A compound page from the page allocator, of @size bytes or more, freed when the test ends. */
static void *test_folio_alloc(struct kunit *test, size_t size)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, get_order(size));

	KUNIT_ASSERT_NOT_NULL_MSG(test, folio, "no folio of %zu bytes", size);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, folio_put_action, folio), 0);
	return folio_address(folio);
}

static void *alloc_case_memory(struct kunit *test, const struct decision_case *c)
{
	struct page *page;

	if (c->mem == MEM_FOLIO)
		return test_folio_alloc(test, c->alloc);
	if (c->mem != MEM_PAGE)
		return alloc_line_aligned(test, c);

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_page_action, page), 0);
	return page_address(page);
}


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
			    "%s: %zu bytes at +%zu of a %zu-byte %s object, L=%u: %s, expected %s; slab object %u bytes%s, owns %u",
			    c->name, c->len, c->offset, c->alloc, mem_names[c->mem],
			    c->line, dma_bounce_reason_name(got),
			    dma_bounce_reason_name(c->want), slot.object_size,
			    slot.size_class ? " (size class)" : "", slot.owned_size);

	kunit_info(test, "decision: %-36s L=%-3u len=%-5zu +%-3zu %-7s %-4s (size rule: %s)\n",
		   c->name, c->line, c->len, c->offset,
		   got ? "bounce" : "inplace", got ? dma_bounce_reason_name(got) : "",
		   !IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) ? "n/a" :
		   size_rule_bounces(c->len, c->line) ? "bounce" : "inplace");
}

/* What the device sees: the bounce slot, or the buffer itself. */
static void *device_view(struct device *dev, dma_addr_t dma)
{
	return phys_to_virt(dma_to_phys(dev, dma));
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

static void gate_case_desc(const struct gate_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s device, %s",
		 c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));
}

KUNIT_ARRAY_PARAM(gate, gate_cases, gate_case_desc);

/* 40 bytes at +8 of a 256-byte buffer: misaligned at both ends. */
static void bounce_device_and_direction(struct kunit *test)
{
	const struct gate_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t dma;

	set_dma_coherent(test, dev, c->coherent);

	KUNIT_EXPECT_EQ_MSG(test,
			    !!dma_needs_bounce(dev, virt_to_phys(buf + 8), 40, c->dir, 0),
			    c->bounce, "%s device, %s",
			    c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));

	dma = test_map_single(test, dev, buf + 8, 40, c->dir);
	KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, dma), c->bounce,
			    "mapping of a %s device, %s",
			    c->coherent ? "coherent" : "non-coherent", dir_name(c->dir));
	test_unmap_single(test, dev, dma);
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

	buf = test_kmalloc(test, size, GFP_KERNEL);
	memset(buf, BUF_OLD, size);

	dma = test_map_single(test, dev, buf + c->offset, c->len, c->dir);
	KUNIT_ASSERT_TRUE_MSG(test, is_bounced(dev, dma), "%s was mapped in place",
			      c->name);

	dv = device_view(dev, dma);
	if (c->dir == DMA_BIDIRECTIONAL)
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes(dv, BUF_OLD, c->len),
				      "the device does not see the buffer's data");
	memset(dv, BUF_DEVICE, c->len);
	memset(buf, BUF_CPU, c->offset);
	memset(buf + end, BUF_CPU, size - end);

	test_unmap_single(test, dev, dma);

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
	u8 *lines = test_kmalloc(test, 4 * line, GFP_KERNEL);
	u8 *obj = test_kmalloc(test, line - 28, GFP_KERNEL);
	u8 *tiny = test_kmalloc(test, 8, GFP_KERNEL);
	dma_addr_t dma;

	dma = test_map_single(test, dev, lines + line, 2 * line, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE_MSG(test, is_bounced(dev, dma), "two whole lines were bounced");
	KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma), virt_to_phys(lines + line));
	test_unmap_single(test, dev, dma);

	dma = test_map_single(test, dev, obj, line - 28, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE_MSG(test, is_bounced(dev, dma),
			       "kmalloc(%u) mapped whole was bounced", line - 28);
	test_unmap_single(test, dev, dma);

	dma = test_map_single(test, dev, tiny, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE_MSG(test, is_bounced(dev, dma), "kmalloc(8) was mapped in place");
	test_unmap_single(test, dev, dma);

	/* A zero-length mapping touches no line. */
	dma = test_map_single(test, dev, lines + 8, 0, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, is_bounced(dev, dma));
	test_unmap_single(test, dev, dma);
}

/*
 * kmalloc() objects too large for its caches, such as jumbo receive heads
 * and firmware buffers, own the rest of their compound page: mapped whole
 * they stay in place, as the size rule keeps them. A prefix shorter than
 * their size class, and compound pages from the page allocator, do not.
 */
struct large_kmalloc_case {
	const char *name;
	bool kmalloc;		/* kmalloc(alloc), else folio_alloc() */
	size_t alloc;
	size_t len;		/* mapped from the start */
	bool in_place;		/* under dma_bounce=misaligned */
};

static const struct large_kmalloc_case large_kmalloc_cases[] = {
	{ "kmalloc(10000) whole", true, 10000, 10000, true },
	{ "kmalloc(KMALLOC_MAX_CACHE_SIZE + 8) whole", true, KMALLOC_MAX_CACHE_SIZE + 8,
	  KMALLOC_MAX_CACHE_SIZE + 8, true },
	{ "kmalloc(KMALLOC_MAX_CACHE_SIZE + 8), prefix below its class", true,
	  KMALLOC_MAX_CACHE_SIZE + 8, KMALLOC_MAX_CACHE_SIZE - 8, false },
	{ "folio of 10000 bytes, not kmalloc(), whole", false, 10000, 10000, false },
};

static void large_kmalloc_case_desc(const struct large_kmalloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(large_kmalloc, large_kmalloc_cases, large_kmalloc_case_desc);

static void bounce_large_kmalloc(struct kunit *test)
{
	const struct large_kmalloc_case *c = test->param_value;
	enum dma_bounce_policy policy = dma_bounce_get_policy();
	struct device *dev = noncoherent_test_device(test);
	bool want_bounced;
	dma_addr_t dma;
	u8 *buf;

	buf = c->kmalloc ? test_kmalloc(test, c->alloc, GFP_KERNEL) :
			   test_folio_alloc(test, c->alloc);
	if (!IS_ALIGNED((unsigned long)buf, dma_bounce_line_size))
		kunit_skip(test, "kmalloc(%zu) is %lu bytes into a line, the row assumes 0",
			   c->alloc, (unsigned long)buf & (dma_bounce_line_size - 1));
	if (policy == DMA_BOUNCE_POLICY_MISALIGNED)
		want_bounced = !c->in_place;
	else
		want_bounced = policy == DMA_BOUNCE_POLICY_KMALLOC &&
			       !dma_kmalloc_size_aligned(c->len);

	dma = test_map_single(test, dev, buf, c->len, DMA_FROM_DEVICE);
	if (want_bounced)
		KUNIT_EXPECT_NE_MSG(test, dma_to_phys(dev, dma), virt_to_phys(buf),
				    "%s: %zu of %zu bytes (size class %zu) mapped in place under dma_bounce=%s",
				    c->name, c->len, c->alloc, kmalloc_size_roundup(c->alloc),
				    dma_bounce_policy_name(policy));
	else
		KUNIT_EXPECT_EQ_MSG(test, dma, phys_to_dma(dev, virt_to_phys(buf)),
				    "%s: %zu of %zu bytes (size class %zu) bounced under dma_bounce=%s",
				    c->name, c->len, c->alloc, kmalloc_size_roundup(c->alloc),
				    dma_bounce_policy_name(policy));
	test_unmap_single(test, dev, dma);
}

/* Only the misaligned segments of a scatterlist are bounced. */
static void bounce_scatterlist(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	u8 *a = test_kmalloc(test, 2 * line, GFP_KERNEL);
	u8 *b = test_kmalloc(test, 2 * line, GFP_KERNEL);
	u8 *c = test_kmalloc(test, 1024, GFP_KERNEL);
	u8 *d = test_kmalloc(test, line, GFP_KERNEL);
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
	/* Not on the stack: a failed assert unmaps it after this returns. */
	struct scatterlist *sgl = kunit_kcalloc(test, ARRAY_SIZE(segs), sizeof(*sgl),
						GFP_KERNEL), *sg;
	int i, nents;

	KUNIT_ASSERT_NOT_NULL(test, sgl);
	sg_init_table(sgl, ARRAY_SIZE(segs));
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		memset(segs[i].buf, BUF_OLD, segs[i].len);
		sg_set_buf(&sgl[i], segs[i].buf, segs[i].len);
	}

	nents = test_map_sg(test, dev, sgl, ARRAY_SIZE(segs), DMA_FROM_DEVICE);
	KUNIT_ASSERT_EQ(test, nents, (int)ARRAY_SIZE(segs));

	for_each_sg(sgl, sg, nents, i) {
		KUNIT_EXPECT_EQ_MSG(test, is_bounced(dev, sg_dma_address(sg)),
				    segs[i].bounce, "segment %d: %zu bytes at %p",
				    i, segs[i].len, segs[i].buf);
		memset(device_view(dev, sg_dma_address(sg)), BUF_DEVICE,
		       sg_dma_len(sg));
	}

	test_unmap_sg(test, dev, sgl);

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes(segs[i].buf, BUF_DEVICE, segs[i].len),
				      "segment %d: the device's data did not come back", i);
}

static void bounce_swiotlb_exhaustion(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	u8 *big = test_kmalloc(test, 1024, GFP_KERNEL);
	bool opt_failed, opt_bounced;
	int first, second, max;
	dma_addr_t *dma, opt;
	struct device *other;
	u8 *buf;

	test_own_swiotlb_pool(test, dev, TEST_POOL_SLOTS);

	max = swiotlb_fill_buffers(test, dev, &dma, &buf);
	first = fill_swiotlb(test, dev, buf, dma, max);
	if (first == max) {
		unmap_all(dev, dma, first);
		KUNIT_FAIL_AND_ABORT(test, "%d misaligned mappings fit in %lu slots",
				     max, dev->dma_io_tlb_mem->nslabs);
	}
	KUNIT_EXPECT_GT(test, first, 0);
	KUNIT_EXPECT_EQ(test, dma[first], DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, dma_mapping_error(dev, dma[first]), -ENOMEM);

	/* The pool was the test's own: another device still bounces. */
	other = test_dma_device(test, "dma-bounce-other", false);
	opt = dma_map_single(other, big + 8, 8, DMA_FROM_DEVICE);
	opt_failed = dma_mapping_error(other, opt);
	opt_bounced = !opt_failed && is_bounced(other, opt);
	if (!opt_failed)
		dma_unmap_single(other, opt, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE_MSG(test, opt_bounced,
			      "another device could not bounce while the test's pool was full");

	/* A bounce the size rule would not make gives way: in place. */
	opt = dma_map_single(dev, big + 8, 512, DMA_FROM_DEVICE);
	opt_failed = dma_mapping_error(dev, opt);
	opt_bounced = !opt_failed && is_bounced(dev, opt);
	if (!opt_failed)
		dma_unmap_single(dev, opt, 512, DMA_FROM_DEVICE);
	unmap_all(dev, dma, first);
	KUNIT_EXPECT_FALSE_MSG(test, opt_failed,
			       "512 bytes at +8 failed with a full swiotlb");
	KUNIT_EXPECT_FALSE(test, opt_bounced);

	/* Every slot came back: the pool takes as many mappings again. */
	second = fill_swiotlb(test, dev, buf, dma, max);
	KUNIT_EXPECT_EQ(test, second, first);
	unmap_all(dev, dma, second);
}

/* What the dma_bounce_fallback tracepoint reported for a device. */
struct fallback_capture {
	struct device *dev;
	int count;
	phys_addr_t orig;
	size_t size;
	enum dma_bounce_reason reason;
	enum dma_bounce_fallback cause;
};

static void probe_fallback(void *data, struct device *dev, phys_addr_t orig,
			   size_t size, enum dma_data_direction dir,
			   enum dma_bounce_reason reason,
			   enum dma_bounce_fallback cause)
{
	struct fallback_capture *cap = data;

	if (dev != cap->dev)
		return;
	cap->count++;
	cap->orig = orig;
	cap->size = size;
	cap->reason = reason;
	cap->cause = cause;
}

static void unregister_fallback_probe(void *data)
{
	unregister_trace_dma_bounce_fallback(probe_fallback, data);
	tracepoint_synchronize_unregister();
}

/* Capture the fallbacks of @dev until the test ends, where tracing is built. */
static struct fallback_capture *capture_fallbacks(struct kunit *test,
						  struct device *dev)
{
	struct fallback_capture *cap;

	cap = test_kmalloc(test, sizeof(*cap), GFP_KERNEL | __GFP_ZERO);
	cap->dev = dev;
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return cap;
	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_fallback(probe_fallback, cap), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_fallback_probe,
							cap), 0);
	return cap;
}

struct large_case {
	const char *name;
	size_t offset;
	size_t len;
	bool bounce;
};

static const struct large_case large_cases[] = {
	{ "64 KiB at +8", 8, SZ_64K, true },
	{ "200 KiB at +8", 8, 200 * SZ_1K, true },
	{ "300 KiB at +8", 8, 300 * SZ_1K, false },
	{ "1 MiB less 8 bytes at +8", 8, SZ_1M - 8, false },
	{ "1 MiB less 8 bytes at +0", 0, SZ_1M - 8, false },
};

static void large_case_desc(const struct large_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(large, large_cases, large_case_desc);

static void free_pages_exact_1mib(void *p)
{
	free_pages_exact(p, SZ_1M);
}

/*
 * Misaligned mappings larger than swiotlb's largest mapping are made in
 * place, where the size rule makes them, never refused; smaller ones are
 * bounced. The device's data comes back either way.
 */
static void bounce_fallback_large(struct kunit *test)
{
	const struct large_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	struct fallback_capture *cap = capture_fallbacks(test, dev);
	bool bounced;
	dma_addr_t dma;
	u8 *buf;

	buf = alloc_pages_exact(SZ_1M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_pages_exact_1mib,
							buf), 0);
	memset(buf, BUF_OLD, SZ_1M);

	dma = test_map_single(test, dev, buf + c->offset, c->len, DMA_FROM_DEVICE);
	bounced = is_bounced(dev, dma);
	KUNIT_EXPECT_EQ_MSG(test, bounced, c->bounce, "%s: %s", c->name,
			    bounced ? "bounced" : "in place");
	if (!bounced)
		KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma), virt_to_phys(buf + c->offset));
	memset(device_view(dev, dma), BUF_DEVICE, c->len);
	test_unmap_single(test, dev, dma);
	KUNIT_EXPECT_TRUE_MSG(test, all_bytes(buf + c->offset, BUF_DEVICE, c->len),
			      "%s: the device's data did not come back", c->name);

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return;
	KUNIT_EXPECT_EQ(test, cap->count, c->bounce ? 0 : 1);
	if (!c->bounce && cap->count) {
		KUNIT_EXPECT_EQ(test, cap->cause, DMA_BOUNCE_FALLBACK_LARGE);
		KUNIT_EXPECT_EQ(test, cap->orig, virt_to_phys(buf + c->offset));
		KUNIT_EXPECT_EQ(test, cap->size, c->len);
		KUNIT_EXPECT_EQ(test, cap->reason,
				c->offset ? DMA_BOUNCE_HEAD : DMA_BOUNCE_TAIL);
	}
}

/*
 * Bounces the size rule would not make leave half of the pool to those it
 * would make: with half of the slots held, they give way, and those it
 * would make are still made; with a few less, they are made again.
 */
static void bounce_fallback_half_pool(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	struct fallback_capture *cap = capture_fallbacks(test, dev);
	u8 *big = test_kmalloc(test, 1024, GFP_KERNEL);
	bool full_bounced, room_bounced, needed_bounced;
	dma_addr_t *dma, opt, needed;
	unsigned long half;
	int held, max;
	u8 *buf;

	test_own_swiotlb_pool(test, dev, TEST_POOL_SLOTS);
	half = dev->dma_io_tlb_mem->nslabs / 2;

	max = swiotlb_fill_buffers(test, dev, &dma, &buf);
	held = fill_swiotlb(test, dev, buf, dma, min_t(int, max, half + 8));
	if (held < half + 8) {
		unmap_all(dev, dma, held);
		KUNIT_FAIL_AND_ABORT(test, "swiotlb refused after %d of %lu slots",
				     held, 2 * half);
	}

	opt = dma_map_single(dev, big + 8, 512, DMA_FROM_DEVICE);
	full_bounced = !dma_mapping_error(dev, opt) && is_bounced(dev, opt);
	if (!dma_mapping_error(dev, opt))
		dma_unmap_single(dev, opt, 512, DMA_FROM_DEVICE);
	/* 8 bytes into a line: a kmalloc-8 size, which the size rule bounces. */
	needed = dma_map_single(dev, big + 8, 8, DMA_FROM_DEVICE);
	needed_bounced = !dma_mapping_error(dev, needed) && is_bounced(dev, needed);
	if (!dma_mapping_error(dev, needed))
		dma_unmap_single(dev, needed, 8, DMA_FROM_DEVICE);

	unmap_all(dev, dma + half - 8, held - (half - 8));
	held = half - 8;
	opt = dma_map_single(dev, big + 8, 512, DMA_FROM_DEVICE);
	room_bounced = !dma_mapping_error(dev, opt) && is_bounced(dev, opt);
	if (!dma_mapping_error(dev, opt))
		dma_unmap_single(dev, opt, 512, DMA_FROM_DEVICE);
	unmap_all(dev, dma, held);

	KUNIT_EXPECT_FALSE_MSG(test, full_bounced,
			       "bounced with %lu of %lu slots held", half + 8, 2 * half);
	KUNIT_EXPECT_TRUE_MSG(test, needed_bounced,
			      "8 bytes not bounced with %lu of %lu slots held",
			      half + 8, 2 * half);
	KUNIT_EXPECT_TRUE_MSG(test, room_bounced,
			      "not bounced with %lu of %lu slots held", half - 8, 2 * half);
	if (IS_ENABLED(CONFIG_TRACEPOINTS)) {
		KUNIT_EXPECT_EQ(test, cap->count, 1);
		KUNIT_EXPECT_EQ(test, cap->cause, DMA_BOUNCE_FALLBACK_FULL);
	}
}

/* Without swiotlb, a misaligned mapping is made in place, as before v6.5. */
static void bounce_without_swiotlb(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL | __GFP_ZERO);
	dma_addr_t dma;

	dev->dma_io_tlb_mem = NULL;

	KUNIT_EXPECT_FALSE(test, dma_needs_bounce(dev, virt_to_phys(buf + 8), 40,
						  DMA_FROM_DEVICE, 0));
	dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma), virt_to_phys(buf + 8));
	test_unmap_single(test, dev, dma);
}

/*
 * The size rule of v6.5 and bounce-on-misalignment, decided on the same
 * buffers and compared row by row: every row is then mapped under the
 * policy booted, which must succeed wherever the size rule's would.
 */
enum rule_mem {
	RULE_KMALLOC,	/* kmalloc(alloc), started on a line */
	RULE_HWCACHE,	/* SLAB_HWCACHE_ALIGN cache of 40-byte objects */
	RULE_SENSE,	/* mergeable SLAB_HWCACHE_ALIGN cache of 96-byte objects */
	RULE_PAGES,	/* alloc_pages_exact(alloc) */
	RULE_FRAG,	/* page_frag_alloc(alloc), a cache that owns no lines */
};

/* How the two rules differ on a row; Documentation explains each. */
enum rule_diff {
	DIFF_NONE,		/* both bounce, or neither */
	DIFF_SHARED_LINE,	/* ours bounces: a partial line it does not own */
	DIFF_OWN_LINES,		/* the size rule bounces an object owning its lines */
	DIFF_FALLBACK,		/* ours would bounce, too large: in place */
};

struct rule_case {
	const char *name;
	enum rule_mem mem;
	size_t alloc;
	size_t offset;
	size_t len;
	enum rule_diff diff;
};

static const struct rule_case rule_cases[] = {
	{ "kmalloc(1) whole", RULE_KMALLOC, 1, 0, 1, DIFF_NONE },
	{ "kmalloc(8) whole", RULE_KMALLOC, 8, 0, 8, DIFF_NONE },
	{ "kmalloc(40) whole", RULE_KMALLOC, 40, 0, 40, DIFF_NONE },
	{ "kmalloc(64) whole", RULE_KMALLOC, 64, 0, 64, DIFF_NONE },
	{ "kmalloc(70) whole", RULE_KMALLOC, 70, 0, 70, DIFF_NONE },
	{ "kmalloc(100) whole", RULE_KMALLOC, 100, 0, 100, DIFF_NONE },
	{ "kmalloc(130) whole", RULE_KMALLOC, 130, 0, 130, DIFF_NONE },
	{ "kmalloc(200) whole", RULE_KMALLOC, 200, 0, 200, DIFF_NONE },
	{ "kmalloc(300) whole", RULE_KMALLOC, 300, 0, 300, DIFF_NONE },
	{ "kmalloc(1500) whole", RULE_KMALLOC, 1500, 0, 1500, DIFF_NONE },
	{ "kmalloc(8192) whole", RULE_KMALLOC, 8192, 0, 8192, DIFF_NONE },
	{ "kmalloc(96) whole", RULE_KMALLOC, 96, 0, 96, DIFF_NONE },
	{ "kmalloc(1024): 40 at +8", RULE_KMALLOC, 1024, 8, 40, DIFF_SHARED_LINE },
	{ "kmalloc(1024): 32-byte prefix", RULE_KMALLOC, 1024, 0, 32, DIFF_NONE },
	{ "kmalloc(1024): 64 at +64", RULE_KMALLOC, 1024, 64, 64, DIFF_NONE },
	{ "kmalloc(1024): 512 at +8", RULE_KMALLOC, 1024, 8, 512, DIFF_SHARED_LINE },
	{ "kmalloc(1024): 300-byte prefix", RULE_KMALLOC, 1024, 0, 300, DIFF_SHARED_LINE },
	{ "kmalloc(4096): 1000 at +8", RULE_KMALLOC, 4096, 8, 1000, DIFF_SHARED_LINE },
	/* Objects padded to their last line own it. */
	{ "hwcache-40 whole", RULE_HWCACHE, 40, 0, 40, DIFF_NONE },
	{ "hwcache-96 whole, a sense buffer", RULE_SENSE, 96, 0, 96, DIFF_OWN_LINES },
	{ "page whole", RULE_PAGES, PAGE_SIZE, 0, PAGE_SIZE, DIFF_NONE },
	{ "page: 1 byte", RULE_PAGES, PAGE_SIZE, 0, 1, DIFF_NONE },
	{ "page: 512 at +8", RULE_PAGES, PAGE_SIZE, 8, 512, DIFF_SHARED_LINE },
	{ "page: 64 at +64", RULE_PAGES, PAGE_SIZE, 64, 64, DIFF_NONE },
	{ "64 KiB: all but 8 at +8", RULE_PAGES, SZ_64K, 8, SZ_64K - 8, DIFF_SHARED_LINE },
	{ "1 MiB whole", RULE_PAGES, SZ_1M, 0, SZ_1M, DIFF_NONE },
	{ "1 MiB: all but 8 at +8", RULE_PAGES, SZ_1M, 8, SZ_1M - 8, DIFF_FALLBACK },
	{ "1 MiB: all but 1", RULE_PAGES, SZ_1M, 0, SZ_1M - 1, DIFF_FALLBACK },
	{ "page frag: 1522-byte frame", RULE_FRAG, 2048, 0, 1522, DIFF_SHARED_LINE },
	{ "page frag: 64 bytes", RULE_FRAG, 64, 0, 64, DIFF_NONE },
};

static void rule_case_desc(const struct rule_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(rule, rule_cases, rule_case_desc);

static const char * const rule_diff_names[] = {
	[DIFF_NONE] = "same",
	[DIFF_SHARED_LINE] = "ours bounces: shared line",
	[DIFF_OWN_LINES] = "size rule bounces: object owns its lines",
	[DIFF_FALLBACK] = "ours in place: too large to bounce",
};

struct rule_pages {
	void *p;
	size_t size;
};

static void free_rule_pages(void *data)
{
	struct rule_pages *pg = data;

	free_pages_exact(pg->p, pg->size);
}

struct rule_frag {
	struct page_frag_cache nc;
	void *frag;
};

static void free_rule_frag(void *data)
{
	struct rule_frag *f = data;

	page_frag_free(f->frag);
	page_frag_cache_drain(&f->nc);
}

static void *alloc_rule_memory(struct kunit *test, const struct rule_case *c)
{
	struct decision_case dc = {
		.mem = c->mem == RULE_HWCACHE ? MEM_HWCACHE :
		       c->mem == RULE_SENSE ? MEM_SENSE : MEM_KMALLOC,
		.alloc = c->alloc, .line = dma_get_cache_alignment(),
	};
	struct rule_pages *pg;
	struct rule_frag *f;

	switch (c->mem) {
	case RULE_KMALLOC:
	case RULE_HWCACHE:
	case RULE_SENSE:
		return alloc_line_aligned(test, &dc);
	case RULE_PAGES:
		pg = test_kmalloc(test, sizeof(*pg), GFP_KERNEL);
		pg->size = c->alloc;
		pg->p = alloc_pages_exact(c->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pg->p);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_rule_pages,
								pg), 0);
		return pg->p;
	default:
		f = test_kmalloc(test, sizeof(*f), GFP_KERNEL | __GFP_ZERO);
		page_frag_cache_init(&f->nc);
		f->frag = page_frag_alloc(&f->nc, c->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->frag);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_rule_frag, f), 0);
		return f->frag;
	}
}

static void bounce_versus_size_rule(struct kunit *test)
{
	const struct rule_case *c = test->param_value;
	struct device *dev = bounce_test_device(test);
	enum dma_bounce_reason ours;
	struct scatterlist *sg;
	bool size_rule, bounced, sg_bounced;
	enum rule_diff diff;
	phys_addr_t phys;
	dma_addr_t dma;
	u8 *buf;

	if ((c->mem == RULE_HWCACHE || c->mem == RULE_SENSE) &&
	    (cache_line_size() != 64 || dma_bounce_line_size != 64))
		kunit_skip(test, "lines of %d (CPU) and %u (DMA) bytes, the row assumes 64",
			   cache_line_size(), dma_bounce_line_size);
	/* Other policies leave merging as it is: the cache may be kmalloc-128. */
	if (c->mem == RULE_SENSE && !dma_bounce_owns_slab_padding())
		kunit_skip(test, "booted with dma_bounce=%s, which merges caches as before",
			   dma_bounce_policy_name(dma_bounce_get_policy()));
	buf = alloc_rule_memory(test, c);
	if (!buf)
		return;
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED((unsigned long)buf, dma_bounce_line_size),
			      "%s: buffer %p does not start a line", c->name, buf);
	phys = virt_to_phys(buf + c->offset);

	/* Both rules, on the same buffer, without touching the system's. */
	size_rule = dma_bounce_decide(DMA_BOUNCE_POLICY_KMALLOC, dev, phys, c->len,
				      DMA_FROM_DEVICE, 0);
	ours = dma_bounce_decide(DMA_BOUNCE_POLICY_MISALIGNED, dev, phys, c->len,
				 DMA_FROM_DEVICE, 0);
	if (!!ours == size_rule)
		diff = DIFF_NONE;
	else if (!ours)
		diff = DIFF_OWN_LINES;
	else if (dma_bounce_fallback_cause(dev, c->len, ours, c->len) ==
		 DMA_BOUNCE_FALLBACK_LARGE)
		diff = DIFF_FALLBACK;
	else
		diff = DIFF_SHARED_LINE;
	KUNIT_EXPECT_EQ_MSG(test, diff, c->diff,
			    "%s: %zu bytes at +%zu: size rule %s, ours %s: \"%s\", expected \"%s\"",
			    c->name, c->len, c->offset,
			    size_rule ? "bounces" : "in place",
			    dma_bounce_reason_name(ours), rule_diff_names[diff],
			    rule_diff_names[c->diff]);

	/* Under the policy booted: every row maps, bounced as decided. */
	dma = test_map_single(test, dev, buf + c->offset, c->len, DMA_FROM_DEVICE);
	bounced = is_bounced(dev, dma);
	test_unmap_single(test, dev, dma);
	KUNIT_EXPECT_EQ_MSG(test, bounced, ours && diff != DIFF_FALLBACK,
			    "%s: %s", c->name, bounced ? "bounced" : "in place");

	/* As a one-entry scatterlist, where it is short enough: the same outcome. */
	if (c->len > dma_get_max_seg_size(dev))
		goto out;
	sg = test_kmalloc(test, sizeof(*sg), GFP_KERNEL);
	sg_init_one(sg, buf + c->offset, c->len);
	KUNIT_ASSERT_EQ(test, test_map_sg(test, dev, sg, 1, DMA_FROM_DEVICE), 1);
	sg_bounced = is_bounced(dev, sg_dma_address(sg));
	test_unmap_sg(test, dev, sg);
	KUNIT_EXPECT_EQ_MSG(test, sg_bounced, bounced, "%s as a scatterlist", c->name);
out:

	kunit_info(test, "rules: %-32s len=%-7zu +%-3zu size-rule=%-7s ours=%-7s %s\n",
		   c->name, c->len, c->offset, size_rule ? "bounce" : "inplace",
		   bounced ? "bounce" : "inplace", rule_diff_names[diff]);
}

/*
 * A cache that pads its objects to whole lines keeps its identity under the
 * misaligned policy: SLUB does not merge it into kmalloc-128, so its objects
 * are known to be 96 bytes and to own 128.
 */
static void bounce_padded_cache_kept_apart(struct kunit *test)
{
	struct bounce_decision_ctx *ctx = test->priv;
	struct kmem_obj_slot slot;
	void *obj;

	if (!dma_bounce_owns_slab_padding())
		kunit_skip(test, "booted with dma_bounce=%s, which merges caches as before",
			   dma_bounce_policy_name(dma_bounce_get_policy()));
	if (cache_line_size() != 64 || dma_get_cache_alignment() != 64)
		kunit_skip(test, "lines of %d (CPU) and %d (DMA) bytes, the case assumes 64",
			   cache_line_size(), dma_get_cache_alignment());

	obj = kmem_cache_alloc(ctx->sense, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	ctx->held->obj[ctx->held->nr++] = obj;
	KUNIT_ASSERT_TRUE(test, kmem_find_obj_slot(obj, &slot));
	KUNIT_EXPECT_EQ_MSG(test, slot.object_size, 96,
			    "dma_bounce_sense96 was merged into a cache of %u-byte objects%s",
			    slot.object_size, slot.size_class ? " (kmalloc)" : "");
	KUNIT_EXPECT_FALSE(test, slot.size_class);
	KUNIT_EXPECT_EQ(test, slot.owned_size, 128);
	if (IS_ALIGNED((unsigned long)obj, 64))
		KUNIT_EXPECT_EQ(test, dma_misalignment(virt_to_phys(obj), 96, 64),
				DMA_BOUNCE_NONE);
}

static struct kunit_case bounce_decision_cases[] = {
	KUNIT_CASE_PARAM(bounce_decision_table, decision_gen_params),
	KUNIT_CASE(bounce_padded_cache_kept_apart),
	{}
};

static struct kunit_suite bounce_decision_suite = {
	.name = "dma_bounce_decision",
	.init = bounce_decision_init,
	.test_cases = bounce_decision_cases,
};

static struct kunit_case bounce_size_rule_cases[] = {
	KUNIT_CASE_PARAM(bounce_versus_size_rule, rule_gen_params),
	{}
};

static struct kunit_suite bounce_size_rule_suite = {
	.name = "dma_bounce_size_rule",
	.init = bounce_decision_init,
	.test_cases = bounce_size_rule_cases,
};

/* What the dma_bounce tracepoints reported for the test's device. */
struct trace_capture {
	struct bounce_event map, back;
};

static void unregister_probes(void *data)
{
	struct trace_capture *cap = data;

	unregister_trace_dma_bounce_copy_back(probe_bounce_event, &cap->back);
	unregister_trace_dma_bounce_map(probe_bounce_event, &cap->map);
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
	{ "40 bytes at +8", DMA_BOUNCE_POLICY_MISALIGNED, 8, 40, DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "prefix 40", DMA_BOUNCE_POLICY_MISALIGNED, 0, 40, DMA_BIDIRECTIONAL, DMA_BOUNCE_TAIL },
	{ "8 bytes at +8", DMA_BOUNCE_POLICY_KMALLOC, 8, 8, DMA_FROM_DEVICE, DMA_BOUNCE_SIZE },
	{ "512 bytes at +8", DMA_BOUNCE_POLICY_KMALLOC, 8, 512, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "two lines", DMA_BOUNCE_POLICY_MISALIGNED, 0, 128, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "40 bytes at +8", DMA_BOUNCE_POLICY_MISALIGNED, 8, 40, DMA_TO_DEVICE, DMA_BOUNCE_NONE },
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
	struct trace_capture *cap;
	struct device *dev;
	dma_addr_t dma;
	u8 *buf;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "CONFIG_TRACEPOINTS is not set");
	/* The policy is the one booted: the test command boots each. */
	if (c->policy != dma_bounce_get_policy())
		kunit_skip(test, "booted with dma_bounce=%s",
			   dma_bounce_policy_name(dma_bounce_get_policy()));
	dev = noncoherent_test_device(test);

	cap = test_kmalloc(test, sizeof(*cap), GFP_KERNEL | __GFP_ZERO);
	buf = test_kmalloc(test, 1024, GFP_KERNEL | __GFP_ZERO);
	cap->map.dev = dev;
	cap->back.dev = dev;

	KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_map(probe_bounce_event,
							    &cap->map), 0);
	if (register_trace_dma_bounce_copy_back(probe_bounce_event, &cap->back)) {
		unregister_trace_dma_bounce_map(probe_bounce_event, &cap->map);
		KUNIT_FAIL_AND_ABORT(test, "cannot probe dma_bounce_copy_back");
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_probes, cap), 0);

	dma = test_map_single(test, dev, buf + c->offset, c->len, c->dir);
	test_unmap_single(test, dev, dma);

	if (c->reason == DMA_BOUNCE_NONE) {
		KUNIT_EXPECT_EQ_MSG(test, cap->map.count, 0, "%s was traced as bounced (%s)",
				    c->name, dma_bounce_reason_name(cap->map.reason));
		KUNIT_EXPECT_EQ(test, cap->back.count, 0);
		return;
	}

	KUNIT_ASSERT_EQ_MSG(test, cap->map.count, 1, "%s: map events", c->name);
	KUNIT_EXPECT_EQ(test, cap->map.orig, virt_to_phys(buf + c->offset));
	KUNIT_EXPECT_EQ(test, cap->map.slot, dma_to_phys(dev, dma));
	KUNIT_EXPECT_TRUE(test, swiotlb_find_pool(dev, cap->map.slot));
	KUNIT_EXPECT_EQ(test, cap->map.size, c->len);
	KUNIT_EXPECT_EQ(test, cap->map.dir, c->dir);
	KUNIT_EXPECT_EQ_MSG(test, cap->map.reason, c->reason, "%s: reason %s, expected %s",
			    c->name, dma_bounce_reason_name(cap->map.reason),
			    dma_bounce_reason_name(c->reason));

	/* Undone once, at unmap, with every byte the device could write. */
	KUNIT_ASSERT_EQ_MSG(test, cap->back.count, 1, "%s: copy-back events", c->name);
	KUNIT_EXPECT_EQ(test, cap->back.orig, cap->map.orig);
	KUNIT_EXPECT_EQ(test, cap->back.slot, cap->map.slot);
	KUNIT_EXPECT_EQ(test, cap->back.size, c->len);
	KUNIT_EXPECT_EQ(test, cap->back.reason, DMA_BOUNCE_NONE);
}

/*
 * Mainline's attributes, on a mapping that shares its first line and that
 * the size rule bounces too (8 bytes at +8 of a kmalloc(1024) object, in a
 * line of that object), single and as a scatterlist, for a coherent and a
 * non-coherent device, under the policy booted.
 */
struct attr_case {
	const char *name;
	unsigned long attrs;
	bool coherent;
	bool sg;
};

#define IGNORE_CACHELINES	DMA_ATTR_DEBUGGING_IGNORE_CACHELINES

static const struct attr_case attr_cases[] = {
	{ "no attribute, non-coherent", 0, false, false },
	{ "no attribute, coherent", 0, true, false },
	{ "no attribute, non-coherent, sg", 0, false, true },
	{ "no attribute, coherent, sg", 0, true, true },
	{ "IGNORE_CACHELINES, non-coherent", IGNORE_CACHELINES, false, false },
	{ "IGNORE_CACHELINES, coherent", IGNORE_CACHELINES, true, false },
	{ "IGNORE_CACHELINES, non-coherent, sg", IGNORE_CACHELINES, false, true },
	{ "IGNORE_CACHELINES, coherent, sg", IGNORE_CACHELINES, true, true },
	{ "REQUIRE_COHERENT, non-coherent", DMA_ATTR_REQUIRE_COHERENT, false, false },
	{ "REQUIRE_COHERENT, coherent", DMA_ATTR_REQUIRE_COHERENT, true, false },
	{ "REQUIRE_COHERENT, non-coherent, sg", DMA_ATTR_REQUIRE_COHERENT, false, true },
	{ "REQUIRE_COHERENT, coherent, sg", DMA_ATTR_REQUIRE_COHERENT, true, true },
	/* MMIO has no scatterlist form: dma_map_resource() maps it. */
	{ "MMIO, non-coherent", DMA_ATTR_MMIO, false, false },
	{ "MMIO, coherent", DMA_ATTR_MMIO, true, false },
};

static void attr_case_desc(const struct attr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(attr, attr_cases, attr_case_desc);

enum attr_outcome { ATTR_IN_PLACE, ATTR_BOUNCED, ATTR_REFUSED };

static const char * const attr_outcome_names[] = {
	[ATTR_IN_PLACE] = "in place",
	[ATTR_BOUNCED] = "bounced",
	[ATTR_REFUSED] = "refused",
};

/*
 * Mainline's outcome, and one step beyond it: a mapping whose caller keeps
 * the shared lines clean, lines of its own object, is made in place by this
 * policy, where the size rule (mainline's) bounces it.
 */
static enum attr_outcome attr_expected(const struct attr_case *c)
{
	enum dma_bounce_policy policy = dma_bounce_get_policy();

	if (c->attrs & DMA_ATTR_REQUIRE_COHERENT)
		return c->coherent ? ATTR_IN_PLACE : ATTR_REFUSED;
	if (c->coherent || (c->attrs & DMA_ATTR_MMIO) ||
	    policy == DMA_BOUNCE_POLICY_OFF)
		return ATTR_IN_PLACE;
	if ((c->attrs & DMA_ATTR_DEBUGGING_IGNORE_CACHELINES) &&
	    policy == DMA_BOUNCE_POLICY_MISALIGNED)
		return ATTR_IN_PLACE;
	return ATTR_BOUNCED;
}

#define TEST_MMIO_PHYS	((phys_addr_t)SZ_64T + 8)

/* Map as the row says; return the outcome, the mapping owned by the test. */
static enum attr_outcome attr_map(struct kunit *test, const struct attr_case *c,
				  struct device *dev, u8 *buf, size_t len)
{
	struct scatterlist *sg;
	struct sg_table sgt;
	dma_addr_t dma;
	int ret;

	if (!c->sg) {
		/*
		 * MMIO is never RAM (dma-debug warns if it is): an address far
		 * beyond memory, never accessed, 8 bytes into a line.
		 */
		if (c->attrs & DMA_ATTR_MMIO)
			dma = dma_map_phys(dev, TEST_MMIO_PHYS, len,
					   DMA_FROM_DEVICE, c->attrs);
		else
			dma = dma_map_single_attrs(dev, buf, len, DMA_FROM_DEVICE,
						   c->attrs);
		if (dma_mapping_error(dev, dma))
			return ATTR_REFUSED;
		test_mapping_own(test, &(struct test_mapping){
			.dev = dev, .dma = dma, .len = len,
			.dir = DMA_FROM_DEVICE, .attrs = c->attrs });
		return is_bounced(dev, dma) ? ATTR_BOUNCED : ATTR_IN_PLACE;
	}

	sg = test_kmalloc(test, sizeof(*sg), GFP_KERNEL);
	sg_init_one(sg, buf, len);
	sgt = (struct sg_table){ .sgl = sg, .orig_nents = 1 };
	ret = dma_map_sgtable(dev, &sgt, DMA_FROM_DEVICE, c->attrs);
	if (ret) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EOPNOTSUPP,
				    "%s: a refused scatterlist says why", c->name);
		return ATTR_REFUSED;
	}
	test_mapping_own(test, &(struct test_mapping){
		.dev = dev, .sgl = sg, .nents = 1, .dir = DMA_FROM_DEVICE,
		.attrs = c->attrs });
	return is_bounced(dev, sg_dma_address(sg)) ? ATTR_BOUNCED : ATTR_IN_PLACE;
}

static void bounce_attributes(struct kunit *test)
{
	const struct attr_case *c = test->param_value;
	enum attr_outcome want = attr_expected(c), got;
	struct fallback_capture *cap;
	struct device *dev;
	bool by_attr;
	u8 *buf;
#ifdef CONFIG_DMA_BOUNCE_STATS
	struct dma_bounce_stats before = {}, after = {};
#endif

	dev = c->coherent ? test_dma_device(test, "dma-bounce-test", true) :
			    noncoherent_test_device(test);
	buf = test_kmalloc(test, 1024, GFP_KERNEL);
	cap = capture_fallbacks(test, dev);
#ifdef CONFIG_DMA_BOUNCE_STATS
	/* Counted too, where the test may switch counting on (at boot). */
	if (!dma_bounce_stats_enabled() && system_state < SYSTEM_RUNNING)
		test_set_counting(test);
	dma_bounce_stats_read(dev, &before);
#endif

	/* 8 bytes into a line of its own object, wherever debug kernels put it. */
	got = attr_map(test, c, dev, PTR_ALIGN(buf, dma_bounce_line_size) + 8, 8);
	KUNIT_EXPECT_EQ_MSG(test, got, want, "%s under dma_bounce=%s: %s, expected %s",
			    c->name, dma_bounce_policy_name(dma_bounce_get_policy()),
			    attr_outcome_names[got], attr_outcome_names[want]);

	/* Kept in place by the attribute alone: traced and counted as such. */
	by_attr = !c->coherent && (c->attrs & DMA_ATTR_DEBUGGING_IGNORE_CACHELINES) &&
		  dma_bounce_get_policy() == DMA_BOUNCE_POLICY_MISALIGNED;
	if (IS_ENABLED(CONFIG_TRACEPOINTS)) {
		KUNIT_EXPECT_EQ_MSG(test, cap->count, by_attr ? 1 : 0,
				    "%s: dma_bounce_fallback events", c->name);
		if (by_attr)
			KUNIT_EXPECT_EQ(test, cap->cause, DMA_BOUNCE_FALLBACK_ATTR);
	}
#ifdef CONFIG_DMA_BOUNCE_STATS
	if (!dma_bounce_stats_enabled())
		return;
	dma_bounce_stats_read(dev, &after);
	KUNIT_EXPECT_EQ_MSG(test, after.count[DMA_BOUNCE_STAT_FALLBACK_ATTR] -
			    before.count[DMA_BOUNCE_STAT_FALLBACK_ATTR], by_attr ? 1 : 0,
			    "%s: fb_attr", c->name);
#endif
}

/*
 * DMA_ATTR_DEBUGGING_IGNORE_CACHELINES is a promise about the lines the
 * mapping shares, which its caller can make for its own memory only. It
 * keeps a mapping in place where those lines lie inside the kmalloc()
 * object that holds it; lines that hold other objects are bounced, as the
 * size rule and mainline bounce them; memory that no object holds is
 * decided by the size rule.
 */
enum promise_mem {
	PROMISE_KMALLOC,	/* kmalloc(alloc) */
	PROMISE_ALIGNED,	/* kmalloc(alloc) objects until one starts a line */
	PROMISE_UNALIGNED,	/* kmalloc(alloc) objects until one does not */
	PROMISE_FOLIO,		/* folio_alloc(): no kmalloc() object */
};

static const char * const promise_mem_names[] = {
	[PROMISE_KMALLOC] = "kmalloc",
	[PROMISE_ALIGNED] = "line-aligned kmalloc",
	[PROMISE_UNALIGNED] = "unaligned kmalloc",
	[PROMISE_FOLIO] = "folio",
};

/* Small receive buffers in one structure, as virtio_input keeps its events. */
struct promise_group {
	u64 before[3];
	__dma_from_device_group_begin();
	u64 events[4];
	__dma_from_device_group_end();
	u64 after;
};

/* The structure 8 bytes into its kmalloc() object: aligned to 8 bytes only. */
#define PROMISE_GROUP_ALLOC	(8 + sizeof(struct promise_group))
#define PROMISE_EVENT(i)	(8 + offsetof(struct promise_group, events) + (i) * sizeof(u64))

struct promise_case {
	const char *name;
	enum promise_mem mem;
	size_t alloc;
	size_t offset;
	size_t len;
	bool in_place;		/* under dma_bounce=misaligned, lines of 64 or 128 bytes */
};

static const struct promise_case promise_cases[] = {
	/* Lines that hold other owners' objects: bounced, as in mainline. */
	{ "kmalloc(8) inside a line", PROMISE_UNALIGNED, 8, 0, 8, false },
	{ "kmalloc(8) starting a line", PROMISE_ALIGNED, 8, 0, 8, false },
	{ "kmalloc(96) whole", PROMISE_KMALLOC, 96, 0, 96, false },
	{ "kmalloc(32): 8 bytes at +8", PROMISE_KMALLOC, 32, 8, 8, false },
	/* Lines of the caller's own object: in place. */
	{ "kmalloc(128): 8 bytes at +8", PROMISE_KMALLOC, 128, 8, 8, true },
	{ "kmalloc(256): 40 bytes at +8", PROMISE_KMALLOC, 256, 8, 40, true },
	{ "first buffer of a group, structure at +8", PROMISE_KMALLOC,
	  PROMISE_GROUP_ALLOC, PROMISE_EVENT(0), sizeof(u64), true },
	{ "last buffer of a group, structure at +8", PROMISE_KMALLOC,
	  PROMISE_GROUP_ALLOC, PROMISE_EVENT(3), sizeof(u64), true },
	{ "large kmalloc: 8 bytes at +8", PROMISE_KMALLOC, KMALLOC_MAX_CACHE_SIZE + 8,
	  8, 8, true },
	/* No object to ask about: as the size rule decides. */
	{ "folio: 8 bytes at +8", PROMISE_FOLIO, PAGE_SIZE, 8, 8, false },
	{ "folio: 1500 bytes at +8", PROMISE_FOLIO, PAGE_SIZE, 8, 1500, true },
};

static void promise_case_desc(const struct promise_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(promise, promise_cases, promise_case_desc);

/* The memory of a row, freed when the test ends, after its mapping. */
static void *promise_alloc(struct kunit *test, const struct promise_case *c,
			   unsigned int line)
{
	bool aligned = c->mem == PROMISE_ALIGNED;
	struct held_objs *held;
	void *obj;

	if (c->mem == PROMISE_FOLIO)
		return test_folio_alloc(test, c->alloc);
	if (c->mem == PROMISE_KMALLOC)
		return test_kmalloc(test, c->alloc, GFP_KERNEL);

	held = held_objs_alloc(test);
	KUNIT_ASSERT_NOT_NULL(test, held);
	while (held->nr < MAX_HELD_OBJS) {
		obj = kmalloc(c->alloc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		held->obj[held->nr++] = obj;
		if (IS_ALIGNED((unsigned long)obj, line) == aligned)
			return obj;
	}
	kunit_skip(test, "no kmalloc(%zu) %s a %u-byte line in %d tries, %lu bytes apart",
		   c->alloc, aligned ? "starts" : "lies inside", line, MAX_HELD_OBJS,
		   held_objs_stride(held));
	return NULL;
}

static void bounce_attribute_owner(struct kunit *test)
{
	const struct promise_case *c = test->param_value;
	enum dma_bounce_policy policy = dma_bounce_get_policy();
	unsigned int line = dma_bounce_line_size;
	bool want_bounced, bounced;
	struct device *dev;
	phys_addr_t phys;
	dma_addr_t dma;
	u8 *buf;

	dev = noncoherent_test_device(test);
	if (line < 64 || line > 128)
		kunit_skip(test, "DMA lines of %u bytes, the rows assume 64 or 128", line);
	if (policy == DMA_BOUNCE_POLICY_MISALIGNED && c->mem != PROMISE_FOLIO &&
	    kmalloc_size_roundup(8) != 8)
		kunit_skip(test, "kmalloc() is %zu-byte aligned, the rows assume 8",
			   kmalloc_size_roundup(8));
	buf = promise_alloc(test, c, line);
	if (!buf)
		return;
	if (c->mem == PROMISE_KMALLOC && c->in_place && !IS_ALIGNED((unsigned long)buf, line))
		kunit_skip(test, "kmalloc(%zu) is %lu bytes into a line, the row assumes 0",
			   c->alloc, (unsigned long)buf & (line - 1));
	phys = virt_to_phys(buf + c->offset);

	/* The size rule, and mainline, ignore the attribute. */
	if (policy == DMA_BOUNCE_POLICY_MISALIGNED)
		want_bounced = !c->in_place;
	else
		want_bounced = policy == DMA_BOUNCE_POLICY_KMALLOC &&
			       !dma_kmalloc_size_aligned(c->len);

	dma = test_map_single_attrs(test, dev, buf + c->offset, c->len,
				    DMA_FROM_DEVICE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES);
	bounced = dma_to_phys(dev, dma) != phys;
	KUNIT_EXPECT_EQ_MSG(test, bounced, want_bounced,
			    "%s: %zu bytes at +%zu of a %zu-byte %s object %lu bytes into a %u-byte line, IGNORE_CACHELINES, dma_bounce=%s: %s, expected %s",
			    c->name, c->len, c->offset, c->alloc, promise_mem_names[c->mem],
			    (unsigned long)buf & (line - 1), line,
			    dma_bounce_policy_name(policy),
			    bounced ? "bounced" : "in place",
			    want_bounced ? "bounced" : "in place");
	if (!bounced)
		KUNIT_EXPECT_EQ(test, dma, phys_to_dma(dev, phys));
	test_unmap_single(test, dev, dma);
}

static struct kunit_case bounce_mapping_cases[] = {
	KUNIT_CASE_PARAM(bounce_device_and_direction, gate_gen_params),
	KUNIT_CASE_PARAM(bounce_round_trip, round_trip_gen_params),
	KUNIT_CASE(bounce_in_place),
	KUNIT_CASE_PARAM(bounce_large_kmalloc, large_kmalloc_gen_params),
	KUNIT_CASE(bounce_scatterlist),
	KUNIT_CASE(bounce_swiotlb_exhaustion),
	KUNIT_CASE_PARAM(bounce_fallback_large, large_gen_params),
	KUNIT_CASE(bounce_fallback_half_pool),
	KUNIT_CASE(bounce_without_swiotlb),
	KUNIT_CASE_PARAM(bounce_attributes, attr_gen_params),
	KUNIT_CASE_PARAM(bounce_attribute_owner, promise_gen_params),
	KUNIT_CASE_PARAM(bounce_tracepoints, trace_gen_params),
	{}
};

static struct kunit_suite bounce_mapping_suite = {
	.name = "dma_bounce_mapping",
	.test_cases = bounce_mapping_cases,
};

/*
 * Network receive buffers. Drivers map the frame length, rarely a multiple
 * of the line, at the start of the data of an skb head or of a fragment
 * they build an skb around after the transfer. Both come from page fragment
 * caches whose fragments own whole lines: the rest of the first and last
 * lines is the buffer's own headroom and tailroom, and the mapping stays in
 * place. Heads from kmalloc() (too small or too large for the caches) and
 * fragments of a cache that owns no lines are still bounced.
 */
enum rx_mem {
	RX_SKB,		/* __netdev_alloc_skb(GFP_ATOMIC), mapped at skb->data */
	RX_SKB_KERNEL,	/* the same with GFP_KERNEL: a ring filled at open */
	RX_SKB_RESERVED,	/* the same with 2 bytes reserved (NET_IP_ALIGN) */
	RX_NETDEV_FRAG,	/* netdev_alloc_frag(), mapped at +NET_SKB_PAD */
	RX_LINES_FRAG,	/* page_frag_alloc_lines() from the test's own cache */
	RX_PLAIN_FRAG,	/* page_frag_alloc() from the test's own cache */
};

struct rx_case {
	const char *name;
	enum rx_mem mem;
	unsigned int len;
	bool head_frag;		/* the buffer is a line-owning fragment */
	enum dma_bounce_reason want;
};

/*
 * A 9018-byte jumbo frame; where that fits a page (16K and 64K pages), a
 * frame 922 bytes over a page: either way its head comes from kmalloc().
 */
#define RX_JUMBO_LEN	(PAGE_SIZE < 9018 ? 9018 : PAGE_SIZE + 922)

static const struct rx_case rx_cases[] = {
	{ "skb head, 1522-byte frame", RX_SKB, 1522, true, DMA_BOUNCE_NONE },
	{ "skb head, 1000-byte buffer", RX_SKB, 1000, true, DMA_BOUNCE_NONE },
	{ "skb head at open (GFP_KERNEL)", RX_SKB_KERNEL, 1522, true, DMA_BOUNCE_NONE },
	{ "skb head, data at +2", RX_SKB_RESERVED, 1522, true, DMA_BOUNCE_NONE },
	{ "skb head of a 100-byte buffer (kmalloc)", RX_SKB, 100, false, DMA_BOUNCE_TAIL },
	{ "skb head of a jumbo frame over a page (kmalloc)", RX_SKB, RX_JUMBO_LEN, false,
	  DMA_BOUNCE_TAIL },
	{ "netdev_alloc_frag(), 1522 bytes", RX_NETDEV_FRAG, 1522, true, DMA_BOUNCE_NONE },
	{ "line-owning cache, 1522 bytes", RX_LINES_FRAG, 1522, true, DMA_BOUNCE_NONE },
	{ "line-owning cache, 60 bytes", RX_LINES_FRAG, 60, true, DMA_BOUNCE_NONE },
	{ "plain page_frag cache, 1522 bytes", RX_PLAIN_FRAG, 1522, false, DMA_BOUNCE_TAIL },
};

static void rx_case_desc(const struct rx_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(rx, rx_cases, rx_case_desc);

struct rx_frag {
	struct page_frag_cache nc;
	bool own_cache;
	void *frag;
};

static void free_rx_frag(void *data)
{
	struct rx_frag *f = data;

	page_frag_free(f->frag);
	if (f->own_cache)
		page_frag_cache_drain(&f->nc);
}

#if IS_ENABLED(CONFIG_NET)
KUNIT_DEFINE_ACTION_WRAPPER(kfree_skb_action, kfree_skb, struct sk_buff *);

/* An skb as a driver allocates it for receive: its data, where the device writes. */
static void *alloc_rx_skb(struct kunit *test, const struct rx_case *c)
{
	gfp_t gfp = c->mem == RX_SKB_KERNEL ? GFP_KERNEL : GFP_ATOMIC;
	struct sk_buff *skb;

	skb = __netdev_alloc_skb(NULL, c->len + 2, gfp);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kfree_skb_action, skb), 0);
	KUNIT_EXPECT_EQ_MSG(test, (bool)skb->head_frag, c->head_frag,
			    "%s: the head of a %u-byte skb %s a page fragment",
			    c->name, c->len, skb->head_frag ? "is" : "is not");
	if (c->mem == RX_SKB_RESERVED)
		skb_reserve(skb, 2);
	return skb->data;
}

static void *alloc_netdev_frag(unsigned int fragsz)
{
	return netdev_alloc_frag(fragsz);
}
#else
static void *alloc_rx_skb(struct kunit *test, const struct rx_case *c)
{
	kunit_skip(test, "built without CONFIG_NET");
	return NULL;
}

static void *alloc_netdev_frag(unsigned int fragsz)
{
	return NULL;
}
#endif

/* The receive buffer of a row, freed when the test ends: where the device writes. */
static void *alloc_rx_buffer(struct kunit *test, const struct rx_case *c)
{
	unsigned int fragsz = SKB_HEAD_ALIGN(NET_SKB_PAD + c->len);
	struct rx_frag *f;

	if (c->mem == RX_SKB || c->mem == RX_SKB_KERNEL || c->mem == RX_SKB_RESERVED)
		return alloc_rx_skb(test, c);
	if (c->mem == RX_NETDEV_FRAG && !IS_ENABLED(CONFIG_NET))
		kunit_skip(test, "built without CONFIG_NET");

	f = test_kmalloc(test, sizeof(*f), GFP_KERNEL | __GFP_ZERO);
	if (c->mem == RX_NETDEV_FRAG) {
		f->frag = alloc_netdev_frag(fragsz);
	} else {
		f->own_cache = true;
		page_frag_cache_init(&f->nc);
		f->frag = c->mem == RX_LINES_FRAG ?
			  page_frag_alloc_lines(&f->nc, fragsz, GFP_KERNEL) :
			  page_frag_alloc(&f->nc, fragsz, GFP_KERNEL);
	}
	KUNIT_ASSERT_NOT_NULL(test, f->frag);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_rx_frag, f), 0);
	return f->frag + NET_SKB_PAD;
}

static void bounce_receive_buffer(struct kunit *test)
{
	const struct rx_case *c = test->param_value;
	unsigned int line = dma_bounce_line_size;
	enum dma_bounce_reason ours, booted;
	struct device *dev;
	bool size_rule, bounced;
	phys_addr_t phys;
	dma_addr_t dma;
	u8 *buf;

	dev = noncoherent_test_device(test);
	if (line > SMP_CACHE_BYTES)
		kunit_skip(test, "DMA lines of %u bytes are longer than the %d that fragments own",
			   line, SMP_CACHE_BYTES);
	buf = alloc_rx_buffer(test, c);
	if (!buf)
		return;
	phys = virt_to_phys(buf);
	KUNIT_EXPECT_EQ_MSG(test, page_frag_owns_lines(virt_to_page(buf)), c->head_frag,
			    "%s: page_frag_owns_lines()", c->name);

	ours = dma_bounce_decide(DMA_BOUNCE_POLICY_MISALIGNED, dev, phys, c->len,
				 DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ_MSG(test, ours, c->want,
			    "%s: %u bytes at line offset %lu: %s, expected %s", c->name,
			    c->len, (unsigned long)(phys & (line - 1)),
			    dma_bounce_reason_name(ours), dma_bounce_reason_name(c->want));

	/* A longer line than the fragments own reaches past them. */
	if (c->head_frag)
		KUNIT_EXPECT_NE_MSG(test, __dma_misalignment(phys, c->len, 2 * SMP_CACHE_BYTES),
				    DMA_BOUNCE_NONE, "%s with %d-byte lines", c->name,
				    2 * SMP_CACHE_BYTES);

	/* Under the policy booted, the receive mapping is made as decided. */
	booted = dma_bounce_decide(dma_bounce_get_policy(), dev, phys, c->len,
				   DMA_FROM_DEVICE, 0);
	dma = test_map_single(test, dev, buf, c->len, DMA_FROM_DEVICE);
	bounced = is_bounced(dev, dma);
	test_unmap_single(test, dev, dma);
	if (booted == DMA_BOUNCE_NONE)
		KUNIT_EXPECT_FALSE_MSG(test, bounced, "%s: bounced under dma_bounce=%s",
				       c->name,
				       dma_bounce_policy_name(dma_bounce_get_policy()));

	size_rule = dma_bounce_decide(DMA_BOUNCE_POLICY_KMALLOC, dev, phys, c->len,
				      DMA_FROM_DEVICE, 0);
	kunit_info(test, "receive: %-40s len=%-5u size-rule=%-7s ours=%-7s booted=%s\n",
		   c->name, c->len, size_rule ? "bounce" : "inplace",
		   ours ? "bounce" : "inplace", bounced ? "bounced" : "in place");
}

static struct kunit_case bounce_receive_cases[] = {
	KUNIT_CASE_PARAM(bounce_receive_buffer, rx_gen_params),
	{}
};

static struct kunit_suite bounce_receive_suite = {
	.name = "dma_bounce_receive",
	.test_cases = bounce_receive_cases,
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

/* The policy in force is what dma_bounce= asked for, or the default. */
static void bounce_boot_parameter(struct kunit *test)
{
	enum dma_bounce_policy want = default_policy(), policy;
	char *arg, val[32];

	/* The command line is the kernel's own: modules cannot read it. */
	if (!IS_BUILTIN(CONFIG_DMA_BOUNCE_KUNIT_TEST))
		kunit_skip(test, "built as a module, the command line is not known");

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

/*
 * kmalloc() stays 8-byte aligned with DMA_API_DEBUG, unless booted "off".
 * An architecture that aligns kmalloc() for DMA itself keeps its alignment.
 */
static void bounce_kmalloc_minalign(struct kunit *test)
{
	unsigned int line = dma_get_cache_alignment();
	size_t want = 8;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "CONFIG_DMA_API_DEBUG is not set");

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		want = max_t(size_t, 8, ARCH_KMALLOC_MINALIGN);
	else if (dma_bounce_get_policy() == DMA_BOUNCE_POLICY_OFF)
		want = line;
	KUNIT_EXPECT_EQ_MSG(test, kmalloc_size_roundup(8), want,
			    "policy %s, cache line %u, ARCH_KMALLOC_MINALIGN %u",
			    dma_bounce_policy_name(dma_bounce_get_policy()), line,
			    (unsigned int)ARCH_KMALLOC_MINALIGN);
}

#ifdef CONFIG_HOTPLUG_CPU
static void policy_cpu_down(void *cpu)
{
	remove_cpu((unsigned long)cpu);
}
#endif

/*
 * The decision's line is never smaller than the cache line a CPU reports,
 * even one that reports it late (arm64 reads it as each CPU comes up, and
 * again when cacheinfo runs at device_initcall): else a mapping would be
 * judged to own a line that the CPU writes back whole. Every present CPU
 * is brought online first, and taken down again when the test ends.
 */
static void bounce_cover_cpu_line(struct kunit *test)
{
	int brought = 0;
#ifdef CONFIG_HOTPLUG_CPU
	unsigned long cpu;

	for_each_present_cpu(cpu) {
		/* Not every CPU may come up (an SMT sibling under nosmt). */
		if (cpu_online(cpu) || add_cpu(cpu))
			continue;
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, policy_cpu_down,
								(void *)cpu), 0);
		brought++;
	}
#endif
	kunit_info(test, "CPU cache line %d bytes (%d CPUs brought online), decision line %u\n",
		   dma_get_cache_alignment(), brought, dma_bounce_line_size);
	KUNIT_EXPECT_GE_MSG(test, dma_bounce_line_size, dma_get_cache_alignment(),
			    "decision line, %d CPUs brought online", brought);
}

static struct kunit_case bounce_policy_cases[] = {
	KUNIT_CASE(bounce_boot_parameter),
	KUNIT_CASE(bounce_kmalloc_minalign),
	KUNIT_CASE(bounce_cover_cpu_line),
	KUNIT_CASE_PARAM(bounce_parse_policy, parse_gen_params),
	{}
};

static struct kunit_suite bounce_policy_suite = {
	.name = "dma_bounce_policy",
	.test_cases = bounce_policy_cases,
};

kunit_test_suites(&bounce_decision_suite, &bounce_size_rule_suite,
		  &bounce_mapping_suite, &bounce_receive_suite,
		  &bounce_policy_suite);

MODULE_DESCRIPTION("KUnit tests for bounce-on-misalignment DMA");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
