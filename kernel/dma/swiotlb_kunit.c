// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of swiotlb's line slots: small bounces take whole cache lines
 * of a slot they share, instead of a 2 KiB slot each. Every test maps
 * through a pool of its own that bounces every mapping (as a restricted DMA
 * pool does), so the tests run the same on every architecture with
 * swiotlb, coherent or not, and never touch the shared pool.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swiotlb.h>

#include "swiotlb.h"

/* Helpers: devices, pools and mappings that the test owns until it ends. */

/* @size bytes from kmalloc(), freed when the test ends; or the test fails. */
static inline void *test_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = kunit_kmalloc(test, size, gfp);

	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no memory for %zu bytes", size);
	return p;
}

static inline bool is_bounced(struct device *dev, dma_addr_t dma)
{
	return swiotlb_find_pool(dev, dma_to_phys(dev, dma));
}

static inline const char *dir_name(enum dma_data_direction dir)
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

static inline void set_dma_coherent(struct kunit *test, struct device *dev, bool coherent)
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
static inline struct device *test_dma_device(struct kunit *test,
					     const char *name, bool coherent)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (dev_is_dma_coherent(dev) != coherent)
		set_dma_coherent(test, dev, coherent);
	return dev;
}

static inline void test_pool_free(void *dev)
{
	swiotlb_dev_test_pool_free(dev);
}

/*
 * A pool of @nslabs slots for @dev alone, for tests that fill a pool or hold
 * half of it: the system's devices keep the shared pool. Take it before the
 * first mapping; it is freed after the last mapping the test owns.
 */
static inline void test_own_swiotlb_pool(struct kunit *test, struct device *dev,
					 unsigned long nslabs)
{
	KUNIT_ASSERT_EQ_MSG(test, swiotlb_dev_test_pool(dev, nslabs), 0,
			    "no memory for a pool of %lu slots", nslabs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_pool_free, dev), 0);
}

/*
 * A streaming mapping that a test owns, as a KUnit resource: whatever
 * assertion fails, the mapping is unmapped when the test ends, before its
 * device goes away. test_unmap_single() and test_unmap_sg() unmap earlier.
 */
struct test_mapping {
	struct device *dev;
	dma_addr_t dma;
	struct scatterlist *sgl;
	int nents;
	size_t len;
	enum dma_data_direction dir;
	unsigned long attrs;
};

static inline void test_mapping_free(struct kunit_resource *res)
{
	struct test_mapping *m = res->data;

	if (m->sgl)
		dma_unmap_sg_attrs(m->dev, m->sgl, m->nents, m->dir, m->attrs);
	else
		dma_unmap_single_attrs(m->dev, m->dma, m->len, m->dir, m->attrs);
	kfree(m);
}

/* Own @m, or unmap it and fail the test. */
static inline void test_mapping_own(struct kunit *test, struct test_mapping *m)
{
	struct test_mapping *copy = kmemdup(m, sizeof(*m), GFP_KERNEL);

	if (copy && kunit_alloc_resource(test, NULL, test_mapping_free,
					 GFP_KERNEL, copy))
		return;
	kfree(copy);
	if (m->sgl)
		dma_unmap_sg_attrs(m->dev, m->sgl, m->nents, m->dir, m->attrs);
	else
		dma_unmap_single_attrs(m->dev, m->dma, m->len, m->dir, m->attrs);
	KUNIT_FAIL_AND_ABORT(test, "no memory to keep track of a mapping");
}

/* Map @len bytes at @buf for @dev, or fail the test naming the mapping. */
static inline dma_addr_t test_map_single_attrs(struct kunit *test,
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

static inline dma_addr_t test_map_single(struct kunit *test,
					 struct device *dev, void *buf,
					 size_t len, enum dma_data_direction dir)
{
	return test_map_single_attrs(test, dev, buf, len, dir, 0);
}

/* Map the @nents entries of @sgl for @dev, or fail the test. */
static inline int test_map_sg_attrs(struct kunit *test, struct device *dev,
				    struct scatterlist *sgl, int nents,
				    enum dma_data_direction dir,
				    unsigned long attrs)
{
	struct test_mapping m = {
		.dev = dev, .sgl = sgl, .nents = nents, .dir = dir,
		.attrs = attrs,
	};
	int mapped = dma_map_sg_attrs(dev, sgl, nents, dir, attrs);

	KUNIT_ASSERT_GT_MSG(test, mapped, 0, "%s: mapping %d sg entries %s failed",
			    dev_name(dev), nents, dir_name(dir));
	test_mapping_own(test, &m);
	return mapped;
}

static inline int test_map_sg(struct kunit *test, struct device *dev,
			      struct scatterlist *sgl, int nents,
			      enum dma_data_direction dir)
{
	return test_map_sg_attrs(test, dev, sgl, nents, dir, 0);
}

static inline bool test_mapping_match(struct kunit *test,
				      struct kunit_resource *res, void *data)
{
	const struct test_mapping *m = res->data, *key = data;

	return res->free == test_mapping_free && m->dev == key->dev &&
	       (key->sgl ? m->sgl == key->sgl : !m->sgl && m->dma == key->dma);
}

static inline void test_unmap(struct kunit *test, const struct test_mapping *key)
{
	struct kunit_resource *res;

	res = kunit_find_resource(test, test_mapping_match, (void *)key);
	KUNIT_ASSERT_NOT_NULL_MSG(test, res, "%s: unmapping a mapping the test does not own",
				  dev_name(key->dev));
	kunit_remove_resource(test, res);
	kunit_put_resource(res);
}

/* Unmap now what test_map_single() mapped. */
static inline void test_unmap_single(struct kunit *test, struct device *dev,
				     dma_addr_t dma)
{
	struct test_mapping key = { .dev = dev, .dma = dma };

	test_unmap(test, &key);
}

/* Unmap now what test_map_sg() mapped. */
static inline void test_unmap_sg(struct kunit *test, struct device *dev,
				 struct scatterlist *sgl)
{
	struct test_mapping key = { .dev = dev, .sgl = sgl };

	test_unmap(test, &key);
}

/* Wait, once done, for the stop action of the test that owns the thread. */
static inline int test_thread_park(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static inline void test_thread_stop(void *data)
{
	struct task_struct *task = data;

	kthread_stop(task);
	put_task_struct(task);
}

/*
 * Start @fn(@data) on the @i-th online CPU, or on any if @i is negative,
 * stopped whatever way the test ends, before anything it uses is freed:
 * allocate that before calling. kunit_release_action(test,
 * test_thread_stop, task) stops it earlier.
 */
static inline struct task_struct *test_start_thread(struct kunit *test,
						    int (*fn)(void *),
						    void *data, int i)
{
	struct task_struct *task;

	if (i < 0)
		task = kthread_create(fn, data, "dma-bounce-test");
	else
		task = kthread_create_on_cpu(fn, data,
					     cpumask_nth(i % num_online_cpus(),
							 cpu_online_mask),
					     "dma-bounce-test/%u");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "thread %d: %ld", i, PTR_ERR(task));
	get_task_struct(task);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_thread_stop, task), 0);
	wake_up_process(task);
	return task;
}

/* The pool of the tests: 1 MiB, arm64's default on a 1 GiB machine. */
#define LINES_POOL_SLOTS	(SZ_1M >> IO_TLB_SHIFT)

/* The size of a line; the tests skip where small bounces take slots. */
static unsigned int lines_line_size(struct device *dev)
{
	return swiotlb_test_line_size();
}

/* A slot holds this many lines: 32 with 64-byte lines. */
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
	{ 257,	0,	DMA_FROM_DEVICE },	/* past 4 lines of 64 bytes */
	{ 513,	0,	DMA_FROM_DEVICE },	/* past 4 lines of 128 bytes: a slot */
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
	size_t alloc = ALIGN(c->offset + c->len, line) + line + 2 * LINES_GUARD;
	u8 *mem = test_kmalloc(test, alloc, GFP_KERNEL);
	u8 *buf = PTR_ALIGN(mem + LINES_GUARD, line);
	bool small;
	bool copied_back = c->dir != DMA_TO_DEVICE &&
			   !(c->attrs & DMA_ATTR_SKIP_CPU_SYNC);
	long before = lines_used(dev);
	phys_addr_t slot;
	dma_addr_t dma;
	size_t i;
	u8 *dev_view;

	/* An original aligned to a slot takes one: see lines_keep_alignment. */
	if (IS_ALIGNED((unsigned long)buf, IO_TLB_SIZE))
		buf += line;
	buf += c->offset;
	small = c->len <= 4 * line;
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

/*
 * Keep the test on the CPU it runs on, whose line slot its small bounces
 * share. Each test case runs in a thread of its own, which ends with it:
 * nothing to restore.
 */
static void lines_pin_cpu(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current,
						   cpumask_of(raw_smp_processor_id())), 0);
}

/*
 * A sync of a bounce's address after its unmap is a driver's bug, and a
 * no-op for a slot. So it is for a line, whose slot the CPU still holds:
 * the line no longer knows the original it bounced, and copies nothing
 * into it.
 */
static void lines_sync_after_unmap(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	u8 *buf = test_kmalloc(test, 64, GFP_KERNEL) + 8;
	phys_addr_t tlb;
	dma_addr_t dma;
	size_t i;

	memset(buf, 0x11, 8);
	lines_pin_cpu(test);
	dma = test_map_single(test, dev, buf, 8, DMA_FROM_DEVICE);
	tlb = dma_to_phys(dev, dma);
	test_unmap_single(test, dev, dma);
	/* The CPU holds the slot: the line is still a line, free. */
	memset(phys_to_virt(tlb), 0x22, 8);
	swiotlb_sync_single_for_cpu(dev, tlb, 8, DMA_FROM_DEVICE);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i], 0x11,
				    "byte %zu of the original, synced after unmap from %pa",
				    i, &tlb);
}

/*
 * A sync that starts past the end of a bounce, in its last line (a
 * driver's bug), copies nothing: the bytes after the bounce in that line
 * are no one's, and the lines after it another bounce's.
 */
static void lines_sync_past_bounce(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	u8 *mem = test_kmalloc(test, 64, GFP_KERNEL);
	u8 *buf = mem + 8;
	phys_addr_t tlb;
	dma_addr_t dma;
	size_t i;

	memset(mem, 0x11, 64);
	dma = test_map_single(test, dev, buf, 8, DMA_FROM_DEVICE);
	tlb = dma_to_phys(dev, dma);
	/* The device writes the bounce, and its line past it. */
	memset(phys_to_virt(tlb), 0x22, 32);
	swiotlb_sync_single_for_cpu(dev, tlb + 16, 8, DMA_FROM_DEVICE);
	for (i = 8; i < 64; i++)
		KUNIT_ASSERT_EQ_MSG(test, mem[i], 0x11,
				    "byte %zu of the buffer's object after a sync at +16 of an 8-byte bounce at +8",
				    i);
	test_unmap_single(test, dev, dma);
}

KUNIT_DEFINE_ACTION_WRAPPER(lines_kprobe_unregister, unregister_kprobe,
			    struct kprobe *);

/*
 * Probe @symbol with @pre for the rest of the test. @kp is the first
 * member of the test's probe, which the handler finds with container_of().
 */
static int lines_kprobe(struct kunit *test, struct kprobe *kp,
			const char *symbol, kprobe_pre_handler_t pre)
{
	int ret;

	kp->symbol_name = symbol;
	kp->pre_handler = pre;
	ret = register_kprobe(kp);
	if (ret)
		return ret;
	return kunit_add_action_or_reset(test, lines_kprobe_unregister, kp);
}

/* A sync of a single mapping, or of a scatterlist. */
static const bool lines_sync_sg[] = { false, true };

static void lines_sync_sg_desc(const bool *sg, char *desc)
{
	strscpy(desc, *sg ? "scatterlist" : "single", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lines_sync, lines_sync_sg, lines_sync_sg_desc);

/* The probe reads the arguments of the function it probes. */
#if defined(CONFIG_KPROBES) && defined(CONFIG_HAVE_FUNCTION_ARG_ACCESS_API)
/* The architecture's cache maintenance for the device, in @dev's pool. */
struct lines_cmo_probe {
	struct kprobe kp;
	phys_addr_t start, end;
	size_t max_size;
	int calls;
};

static int lines_cmo_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct lines_cmo_probe *probe = container_of(kp, struct lines_cmo_probe, kp);
	phys_addr_t paddr = regs_get_kernel_argument(regs, 0);
	size_t size = regs_get_kernel_argument(regs, 1);

	if (paddr >= probe->start && paddr < probe->end) {
		probe->max_size = max(probe->max_size, size);
		probe->calls++;
	}
	return 0;
}

static struct lines_cmo_probe *lines_cmo_probe(struct kunit *test,
					       struct device *dev)
{
	struct io_tlb_pool *pool = &dev->dma_io_tlb_mem->defpool;
	struct lines_cmo_probe *probe;
	int ret;

	if (dev_is_dma_coherent(dev))
		kunit_skip(test, "needs a non-coherent device");
	probe = kunit_kzalloc(test, sizeof(*probe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, probe);
	probe->start = pool->start;
	probe->end = pool->end;
	/* Inlined, or not probeable here: nothing to observe it by. */
	ret = lines_kprobe(test, &probe->kp, "arch_sync_dma_for_device",
			   lines_cmo_pre);
	if (ret)
		kunit_skip(test, "cannot probe arch_sync_dma_for_device: %d", ret);
	return probe;
}

/*
 * Cache maintenance of a bounce never reaches past what swiotlb recorded
 * for it: an oversize sync (a driver's bug, which dma-debug reports) must
 * not clean or invalidate the next line, another bounce that a CPU may be
 * filling.
 */
static void lines_cache_maintenance_clamped(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	unsigned int line = lines_line_size(dev);
	u8 *buf = test_kmalloc(test, 4 * line, GFP_KERNEL) + 8;
	struct lines_cmo_probe *probe = lines_cmo_probe(test, dev);
	dma_addr_t dma;

	dma = test_map_single(test, dev, buf, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, probe->max_size, 8);
	/* 3 lines for an 8-byte bounce: the sync reaches 2 more lines. */
	dma_sync_single_for_device(dev, dma, 3 * line, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ_MSG(test, probe->max_size, 8,
			    "bytes cleaned for an 8-byte bounce synced for %u bytes",
			    3 * line);
	test_unmap_single(test, dev, dma);
}

/* Sync @sgl, or else @dma, for the device, counting only this sync's calls. */
static void lines_sync_for_device(struct lines_cmo_probe *probe,
				  struct device *dev, struct scatterlist *sgl,
				  dma_addr_t dma, size_t len)
{
	probe->calls = 0;
	if (sgl)
		dma_sync_sg_for_device(dev, sgl, 1, DMA_FROM_DEVICE);
	else
		dma_sync_single_for_device(dev, dma, len, DMA_FROM_DEVICE);
}

/*
 * Lines no bounce holds get no cache maintenance: a sync after the unmap
 * (a driver's bug) cleans nothing, where another CPU may be filling the
 * lines for its next bounce. A sync beyond one IO_TLB_LINE_MIN line: one
 * within a line is not looked up (see swiotlb_sync_len()), and after the
 * unmap does what it does to a slot.
 * dma-debug reports the sync, a driver's bug.
 */
static void lines_no_maintenance_after_unmap(struct kunit *test)
{
	const bool *sg = test->param_value;
	struct device *dev = lines_test_device(test, true);
	/* Beyond one IO_TLB_LINE_MIN line, and within a slot. */
	size_t len = IO_TLB_LINE_MIN + 36;
	u8 *buf = test_kmalloc(test, len + 8, GFP_KERNEL) + 8;
	struct lines_cmo_probe *probe = lines_cmo_probe(test, dev);
	struct scatterlist sgl;
	dma_addr_t dma;

	/* The CPU keeps the slot, and the lines stay lines, free. */
	lines_pin_cpu(test);
	if (*sg) {
		sg_init_one(&sgl, buf, len);
		test_map_sg(test, dev, &sgl, 1, DMA_FROM_DEVICE);
		dma = sg_dma_address(&sgl);
	} else {
		dma = test_map_single(test, dev, buf, len, DMA_FROM_DEVICE);
	}
	/* While the bounce holds its lines, the sync cleans them. */
	lines_sync_for_device(probe, dev, *sg ? &sgl : NULL, dma, len);
	KUNIT_ASSERT_GE_MSG(test, probe->calls, 1,
			    "no cache maintenance for a sync of the bounce %pad",
			    &dma);

	if (*sg)
		test_unmap_sg(test, dev, &sgl);
	else
		test_unmap_single(test, dev, dma);
	lines_sync_for_device(probe, dev, *sg ? &sgl : NULL, dma, len);
	KUNIT_EXPECT_EQ_MSG(test, probe->calls, 0,
			    "cache maintenance calls for a sync%s of %pad after its unmap",
			    *sg ? " of a scatterlist" : "", &dma);
}
#else
static void lines_cache_maintenance_clamped(struct kunit *test)
{
	kunit_skip(test, "needs kprobes and access to the probed function's arguments");
}

static void lines_no_maintenance_after_unmap(struct kunit *test)
{
	kunit_skip(test, "needs kprobes and access to the probed function's arguments");
}
#endif

/*
 * A bounce keeps the alignment of its original that a slot gave it: a
 * slot starts at IO_TLB_SIZE, so an original aligned to less than that is
 * bounced with its alignment in lines too (a device may rely on a buffer
 * of 256 bytes aligned to 256 without a min_align_mask), and one aligned
 * to a slot takes a slot.
 */
struct lines_align_case {
	size_t align;
	size_t len;
};

static const struct lines_align_case lines_align_cases[] = {
	{ 64, 8 }, { 128, 100 }, { 256, 256 }, { 512, 8 }, { 1024, 64 },
	{ 2048, 8 }, { 4096, 200 },
};

static void lines_align_desc(const struct lines_align_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes aligned to %zu",
		 c->len, c->align);
}

KUNIT_ARRAY_PARAM(lines_align, lines_align_cases, lines_align_desc);

static void lines_keep_alignment(struct kunit *test)
{
	const struct lines_align_case *c = test->param_value;
	struct device *dev = lines_test_device(test, true);
	size_t want = min_t(size_t, c->align, IO_TLB_SIZE);
	u8 *first = test_kmalloc(test, 64, GFP_KERNEL) + 8;
	/* Aligned to exactly c->align, no further. */
	u8 *mem = test_kmalloc(test, 3 * c->align + c->len, GFP_KERNEL);
	u8 *buf = PTR_ALIGN(mem, 2 * c->align) + c->align;
	phys_addr_t tlb;
	dma_addr_t dma;

	lines_pin_cpu(test);
	/* An 8-byte bounce first: the slot's first line is taken. */
	test_map_single(test, dev, first, 8, DMA_FROM_DEVICE);
	dma = test_map_single(test, dev, buf, c->len, DMA_FROM_DEVICE);
	tlb = dma_to_phys(dev, dma);
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(tlb, want),
			      "%zu bytes at %p (aligned to %zu) bounced at %pa",
			      c->len, buf, c->align, &tlb);
}

/*
 * The slot a CPU takes lines from may lie out of another device's reach
 * (its dma_mask or bus_dma_limit; a pool of SWIOTLB_DYNAMIC that a device
 * of wider reach had made). Such a device's small bounce then goes where
 * it can reach, and never fails while the pool has reachable room.
 */
struct lines_lent_pool {
	struct device *dev;
	struct io_tlb_mem *own;
};

static void lines_give_back_pool(void *data)
{
	struct lines_lent_pool *lent = data;

	lent->dev->dma_io_tlb_mem = lent->own;
}

/* Let @dev bounce through the pool of @owner until the test ends. */
static void lines_lend_pool(struct kunit *test, struct device *dev,
			    struct device *owner)
{
	struct lines_lent_pool *lent = kunit_kzalloc(test, sizeof(*lent), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, lent);
	lent->dev = dev;
	lent->own = dev->dma_io_tlb_mem;
	dev->dma_io_tlb_mem = owner->dma_io_tlb_mem;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_give_back_pool,
							lent), 0);
}

static void lines_out_of_reach(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	struct io_tlb_pool *pool = &dev->dma_io_tlb_mem->defpool;
	int nslots = pool->nslabs, i;
	/* Buffers first: the mappings held go before them when the test ends. */
	u8 *slot_buf = test_kmalloc(test, IO_TLB_SIZE, GFP_KERNEL);
	u8 *far_buf = test_kmalloc(test, 64, GFP_KERNEL) + 8;
	u8 *near_buf = test_kmalloc(test, 64, GFP_KERNEL) + 8;
	struct lines_held *fill = lines_held_alloc(test, dev, nslots);
	struct lines_held *held = lines_held_alloc(test, dev, 1);
	struct device *near;
	phys_addr_t far_slot, limit, tlb;
	dma_addr_t dma;

	lines_pin_cpu(test);
	/* Every slot but the last held by bounces of a slot each... */
	for (i = 0; i < nslots - 1; i++)
		KUNIT_ASSERT_TRUE_MSG(test, lines_hold(fill, slot_buf, IO_TLB_SIZE),
				      "slot bounce %d of %d", i, nslots - 1);
	/* ...so that the CPU divides the last one for a small bounce. */
	KUNIT_ASSERT_TRUE(test, lines_hold(held, far_buf, 8));
	far_slot = ALIGN_DOWN(dma_to_phys(dev, held->dma[0]), IO_TLB_SIZE);
	KUNIT_ASSERT_EQ(test, far_slot,
			pool->start + ((phys_addr_t)(nslots - 1) << IO_TLB_SHIFT));
	lines_unmap_held(fill);

	/* A device of the same pool that reaches its first half only. */
	near = test_dma_device(test, "swiotlb-lines-near", dev_is_dma_coherent(dev));
	lines_lend_pool(test, near, dev);
	limit = pool->start + ((phys_addr_t)(nslots / 2) << IO_TLB_SHIFT) - 1;
	near->bus_dma_limit = phys_to_dma(near, limit);

	dma = dma_map_single(near, near_buf, 8, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE_MSG(test, dma_mapping_error(near, dma),
			       "8-byte bounce for a device reaching %pa, the CPU's slot at %pa",
			       &limit, &far_slot);
	tlb = dma_to_phys(near, dma);
	KUNIT_EXPECT_LE_MSG(test, tlb + 8 - 1, limit, "bounce at %pa", &tlb);
	dma_unmap_single(near, dma, 8, DMA_FROM_DEVICE);
}

/*
 * A producer on one CPU maps small bounces, a consumer on another unmaps
 * them: lines are freed by a CPU that does not hold their slot, racing
 * the holder taking lines from it, while slots fill and change hands.
 * Every bounce brings the device's data back, and once all are unmapped
 * no line is held, and no slot but those the CPUs hold.
 */
#define LINES_RING		64
#define LINES_RING_ROUNDS	20000

struct lines_ring {
	struct device *dev;
	unsigned int line;
	u8 *bufs;			/* LINES_RING buffers of 4 lines */
	dma_addr_t dma[LINES_RING];
	size_t len[LINES_RING];
	unsigned long head;		/* mapped by the producer */
	unsigned long tail;		/* unmapped by the consumer */
	int refused;			/* by the producer */
	int wrong;			/* by the consumer */
	struct completion produced, consumed;
};

static u8 *lines_ring_buf(struct lines_ring *r, unsigned long n)
{
	return r->bufs + (n % LINES_RING) * 4 * r->line + 8;
}

static int lines_producer_fn(void *data)
{
	struct lines_ring *r = data;
	unsigned long n;

	for (n = 0; n < LINES_RING_ROUNDS && !kthread_should_stop(); n++) {
		size_t len = 1 + (n * 37) % (4 * r->line - 8);
		u8 *buf = lines_ring_buf(r, n);
		dma_addr_t dma;

		/* Wait for the consumer to free the ring's slot: its unmap first. */
		while (n - smp_load_acquire(&r->tail) >= LINES_RING) {
			if (kthread_should_stop())
				goto out;
			cond_resched();
		}
		memset(buf, 0, len);
		dma = dma_map_single(r->dev, buf, len, DMA_FROM_DEVICE);
		if (dma_mapping_error(r->dev, dma)) {
			r->refused++;
			break;
		}
		/* The device writes the bounce. */
		memset(phys_to_virt(dma_to_phys(r->dev, dma)), (u8)n | 1, len);
		r->dma[n % LINES_RING] = dma;
		r->len[n % LINES_RING] = len;
		/* The entry before the head that publishes it. */
		smp_store_release(&r->head, n + 1);
	}
out:
	complete(&r->produced);
	return test_thread_park();
}

static int lines_consumer_fn(void *data)
{
	struct lines_ring *r = data;
	unsigned long n;

	for (n = 0; n < LINES_RING_ROUNDS; n++) {
		size_t len, i;
		u8 *buf;

		/* The head before the entry it publishes. */
		while (n == smp_load_acquire(&r->head)) {
			/* The producer gave up: nothing more will come. */
			if (kthread_should_stop() ||
			    (completion_done(&r->produced) &&
			     /* and published nothing since */
			     n == smp_load_acquire(&r->head)))
				goto out;
			cond_resched();
		}
		len = r->len[n % LINES_RING];
		buf = lines_ring_buf(r, n);
		dma_unmap_single(r->dev, r->dma[n % LINES_RING], len,
				 DMA_FROM_DEVICE);
		for (i = 0; i < len; i++)
			if (buf[i] != ((u8)n | 1)) {
				r->wrong++;
				break;
			}
		/* The unmap before the tail that frees the entry. */
		smp_store_release(&r->tail, n + 1);
	}
out:
	complete(&r->consumed);
	return test_thread_park();
}

/* What the consumer has not unmapped, once both threads have stopped. */
static void lines_ring_unmap(void *data)
{
	struct lines_ring *r = data;

	for (; r->tail < r->head; r->tail++)
		dma_unmap_single(r->dev, r->dma[r->tail % LINES_RING],
				 r->len[r->tail % LINES_RING], DMA_FROM_DEVICE);
}

static void lines_cross_cpu(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	struct lines_ring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct task_struct *producer, *consumer;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->dev = dev;
	r->line = lines_line_size(dev);
	r->bufs = test_kmalloc(test, LINES_RING * 4 * r->line, GFP_KERNEL);
	init_completion(&r->produced);
	init_completion(&r->consumed);
	/* Run after the threads' stop actions, which are added later. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_ring_unmap, r), 0);
	producer = test_start_thread(test, lines_producer_fn, r, 0);
	consumer = test_start_thread(test, lines_consumer_fn, r, 1);
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&r->produced, 300 * HZ),
			      "producer did not finish");
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&r->consumed, 300 * HZ),
			      "consumer did not finish");
	kunit_release_action(test, test_thread_stop, producer);
	kunit_release_action(test, test_thread_stop, consumer);

	KUNIT_EXPECT_EQ(test, r->tail, LINES_RING_ROUNDS);
	KUNIT_EXPECT_EQ(test, r->refused, 0);
	KUNIT_EXPECT_EQ_MSG(test, r->wrong, 0,
			    "bounces of %d mapped on one CPU, unmapped on another, with data lost",
			    LINES_RING_ROUNDS);
	KUNIT_EXPECT_EQ(test, lines_used(dev), 0);
	KUNIT_EXPECT_LE_MSG(test, slots_used(dev), num_possible_cpus(),
			    "slots still used with no bounce");
}

#ifdef CONFIG_HOTPLUG_CPU
static void lines_cpu_down(void *cpu)
{
	remove_cpu((unsigned long)cpu);
}
#endif

/*
 * Bring every present CPU online, as a system may long after boot (booted
 * with maxcpus=, or bringing its large cores up when needed); those the
 * test brought go offline again when it ends. How many it brought.
 */
static int lines_all_cpus_online(struct kunit *test)
{
	unsigned long cpu;
	int brought = 0;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		return 0;
	for_each_present_cpu(cpu) {
		if (cpu_online(cpu))
			continue;
		/* Not every CPU may come up (an SMT sibling under nosmt). */
		if (add_cpu(cpu)) {
			kunit_info(test, "CPU %lu stays offline\n", cpu);
			continue;
		}
#ifdef CONFIG_HOTPLUG_CPU
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lines_cpu_down,
								(void *)cpu), 0);
#endif
		brought++;
	}
	return brought;
}

/*
 * swiotlb's lines are never smaller than the cache line a CPU reports,
 * even one that reports it late (arm64 takes the line from the firmware's
 * cache description as each CPU comes up, and when cacheinfo runs at
 * device_initcall), or small bounces stop taking them: else two bounces
 * share a line the CPUs write back as one.
 */
static void lines_cover_cpu_line(struct kunit *test)
{
	unsigned int line = swiotlb_test_line_size();
	int brought = lines_all_cpus_online(test);

	kunit_info(test, "CPU cache line %d bytes (%d CPUs brought online), swiotlb lines %u (%s)\n",
		   dma_get_cache_alignment(), brought, line,
		   swiotlb_test_lines_stopped() ? "stopped" : "taken");
	if (!line)
		kunit_skip(test, "no line slots");
	KUNIT_EXPECT_TRUE_MSG(test,
			      line >= dma_get_cache_alignment() ||
			      swiotlb_test_lines_stopped(),
			      "swiotlb lines of %u bytes still taken, %d CPUs brought online",
			      line, brought);
}

#ifdef CONFIG_SWIOTLB_DYNAMIC
/*
 * Free pages that held junk, so that the next pages this CPU allocates,
 * such as the slot array of a pool swiotlb makes, are likely to hold it
 * too where init_on_alloc is off (page poisoning makes sure of it).
 */
static void lines_dirty_free_pages(void)
{
	struct page *page[32];
	int i;

	for (i = 0; i < ARRAY_SIZE(page); i++) {
		page[i] = alloc_pages(GFP_KERNEL, i % 3);
		if (page[i])
			memset(page_address(page[i]), 0xa5, PAGE_SIZE << (i % 3));
	}
	while (i--)
		if (page[i])
			__free_pages(page[i], i % 3);
}

/* Map @len bytes of @buf, let the device write them, unmap, check. */
static void lines_device_writes(struct kunit *test, struct device *dev,
				u8 *buf, size_t len, u8 val, const char *where)
{
	dma_addr_t dma;
	size_t i;

	memset(buf, ~val, len);
	dma = test_map_single(test, dev, buf, len, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE_MSG(test, is_bounced(dev, dma), "%s", where);
	memset(phys_to_virt(dma_to_phys(dev, dma)), val, len);
	test_unmap_single(test, dev, dma);
	for (i = 0; i < len; i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i], val, "byte %zu of %zu, %s", i,
				    len, where);
}

/*
 * A pool that grows, as the default pool does with SWIOTLB_DYNAMIC: once
 * it is full, a bounce takes a transient pool of its own, and a worker
 * adds a pool. Their slot arrays come from the page allocator unzeroed;
 * bounces in them, small and large, bring the device's data back.
 */
static void lines_pool_grows_dirty(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	struct io_tlb_mem *mem = dev->dma_io_tlb_mem;
	int nslots = mem->defpool.nslabs, i;
	/* Buffers first: the mappings held go before them when the test ends. */
	u8 *slot_buf = test_kmalloc(test, IO_TLB_SIZE, GFP_KERNEL);
	u8 *buf = test_kmalloc(test, 1600, GFP_KERNEL) + 8;
	struct lines_held *fill = lines_held_alloc(test, dev, nslots);

	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_pool_grow(dev));
	lines_pin_cpu(test);
	for (i = 0; i < nslots; i++)
		KUNIT_ASSERT_TRUE_MSG(test, lines_hold(fill, slot_buf, IO_TLB_SIZE),
				      "slot bounce %d of %d", i, nslots);

	/*
	 * Full: transient pools, or the pool the worker adds if it is
	 * quicker; bounces through either bring their data back.
	 */
	lines_dirty_free_pages();
	lines_device_writes(test, dev, buf, 1500, 0x11, "1500 bytes, pool full");
	lines_dirty_free_pages();
	lines_device_writes(test, dev, buf, 8, 0x22, "8 bytes, pool full");

	/* The pool the worker added. */
	flush_work(&mem->dyn_alloc);
	KUNIT_ASSERT_GT_MSG(test, mem->nslabs, nslots, "the pool did not grow");
	lines_device_writes(test, dev, buf, 1500, 0x33, "1500 bytes, grown pool");
	lines_device_writes(test, dev, buf, 8, 0x44, "8 bytes, grown pool");
	lines_unmap_held(fill);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mem->transient_nslabs), 0);
}

/*
 * A small bounce that finds the pool full makes one transient pool, the
 * one it bounces in, not one to divide into lines (which would live as
 * long as the bounce) and then another. Counted by a kprobe on the pool
 * allocation, for this test's thread only: the worker that grows the pool
 * allocates one too, meanwhile.
 */
struct lines_alloc_probe {
	struct kprobe kp;
	struct task_struct *task;
	int calls;
};

static int lines_alloc_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct lines_alloc_probe *probe = container_of(kp, struct lines_alloc_probe, kp);

	if (current == probe->task)
		probe->calls++;
	return 0;
}

static void lines_one_transient_pool(struct kunit *test)
{
	struct device *dev = lines_test_device(test, true);
	int nslots = dev->dma_io_tlb_mem->defpool.nslabs, i;
	/* Buffers first: the mappings held go before them when the test ends. */
	u8 *slot_buf = test_kmalloc(test, IO_TLB_SIZE, GFP_KERNEL);
	u8 *buf = test_kmalloc(test, 64, GFP_KERNEL) + 8;
	struct lines_held *fill = lines_held_alloc(test, dev, nslots);
	struct lines_alloc_probe *probe;

	if (!IS_ENABLED(CONFIG_KPROBES))
		kunit_skip(test, "needs kprobes");
	KUNIT_ASSERT_TRUE(test, swiotlb_dev_test_pool_grow(dev));
	probe = kunit_kzalloc(test, sizeof(*probe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, probe);
	probe->task = current;
	if (lines_kprobe(test, &probe->kp, "swiotlb_alloc_pool", lines_alloc_pre))
		kunit_skip(test, "swiotlb_alloc_pool() cannot be probed (inlined)");

	lines_pin_cpu(test);
	for (i = 0; i < nslots; i++)
		KUNIT_ASSERT_TRUE_MSG(test, lines_hold(fill, slot_buf, IO_TLB_SIZE),
				      "slot bounce %d of %d", i, nslots);
	probe->calls = 0;
	/* The CPU holds no divided slot: the bounce looks for one. */
	lines_device_writes(test, dev, buf, 8, 0x55, "8 bytes, pool full");
	KUNIT_EXPECT_LE_MSG(test, probe->calls, 1,
			    "pools allocated for one 8-byte bounce in a full pool");
	lines_unmap_held(fill);
}
#else
static void lines_pool_grows_dirty(struct kunit *test)
{
	kunit_skip(test, "pools grow only with SWIOTLB_DYNAMIC");
}

static void lines_one_transient_pool(struct kunit *test)
{
	kunit_skip(test, "pools grow only with SWIOTLB_DYNAMIC");
}
#endif

static struct kunit_case lines_test_cases[] = {
	KUNIT_CASE_SLOW(lines_hold_16x),
	KUNIT_CASE_PARAM(lines_round_trip, lines_gen_params),
	KUNIT_CASE(lines_never_share),
	KUNIT_CASE(lines_partial_sync),
	KUNIT_CASE(lines_min_align_mask),
	KUNIT_CASE(lines_slots_come_back),
	KUNIT_CASE_SLOW(lines_threads),
	KUNIT_CASE(lines_sync_after_unmap),
	KUNIT_CASE(lines_sync_past_bounce),
	KUNIT_CASE(lines_cache_maintenance_clamped),
	KUNIT_CASE_PARAM(lines_no_maintenance_after_unmap, lines_sync_gen_params),
	KUNIT_CASE_PARAM(lines_keep_alignment, lines_align_gen_params),
	KUNIT_CASE(lines_out_of_reach),
	KUNIT_CASE_SLOW(lines_cross_cpu),
	KUNIT_CASE(lines_cover_cpu_line),
	KUNIT_CASE(lines_pool_grows_dirty),
	KUNIT_CASE(lines_one_transient_pool),
	{}
};

static struct kunit_suite lines_test_suite = {
	.name = "swiotlb_lines",
	.test_cases = lines_test_cases,
};

kunit_test_suites(&lines_test_suite);

MODULE_DESCRIPTION("KUnit tests of swiotlb's line slots for small bounces");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
