/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites of bounce-on-misalignment share: test devices,
 * what a device sees of a mapping, and memory held for a test.
 */
#ifndef _DMA_BOUNCE_KUNIT_H
#define _DMA_BOUNCE_KUNIT_H

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-bounce.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/gcd.h>
#include <linux/kthread.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "../../kernel/dma/bounce.h"
#include "../../kernel/dma/swiotlb.h"

#define MAX_HELD_OBJS	256

/* Objects a test keeps allocated until it ends, then frees with kfree(). */
struct held_objs {
	int nr;
	void *obj[MAX_HELD_OBJS];
};

static inline void free_held_objs(void *data)
{
	struct held_objs *held = data;

	while (held->nr)
		kfree(held->obj[--held->nr]);
}

static inline struct held_objs *held_objs_alloc(struct kunit *test)
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
static inline unsigned long held_objs_stride(const struct held_objs *held)
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

/* A non-coherent device with swiotlb, whatever the policy booted. */
static inline struct device *noncoherent_test_device(struct kunit *test)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		kunit_skip(test, "no non-coherent DMA with swiotlb bouncing on this architecture");

	dev = test_dma_device(test, "dma-bounce-test", false);
	if (!is_swiotlb_active(dev))
		kunit_skip(test, "%s has no swiotlb pool", dev_name(dev));
	return dev;
}

/* A non-coherent device with swiotlb, under the misaligned policy (arm64). */
static inline struct device *bounce_test_device(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED))
		kunit_skip(test, "no non-coherent DMA with swiotlb bouncing on this architecture");
	if (dma_bounce_get_policy() != DMA_BOUNCE_POLICY_MISALIGNED)
		kunit_skip(test, "booted with dma_bounce=%s",
			   dma_bounce_policy_name(dma_bounce_get_policy()));

	return noncoherent_test_device(test);
}

/* Slots of the pools that tests fill: their own, one swiotlb segment. */
#define TEST_POOL_SLOTS	IO_TLB_SEGSIZE

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
 * Room to map one more buffer than @dev's swiotlb has slots: the DMA
 * addresses in @dma, a cache line of @buf for each. Returns that number.
 */
static inline int swiotlb_fill_buffers(struct kunit *test, struct device *dev,
				       dma_addr_t **dma, u8 **buf)
{
	int max = dev->dma_io_tlb_mem->nslabs + 1;

	*dma = kunit_kcalloc(test, max, sizeof(**dma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *dma);
	*buf = test_kmalloc(test, (size_t)max * dma_get_cache_alignment(),
			    GFP_KERNEL | __GFP_ZERO);
	return max;
}

/* Fill swiotlb with bounced mappings until it refuses one, then empty it. */
static inline int fill_swiotlb(struct kunit *test, struct device *dev,
			       u8 *buf, dma_addr_t *dma, int max)
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

static inline void unmap_all(struct device *dev, dma_addr_t *dma, int n)
{
	while (n--)
		dma_unmap_single(dev, dma[n], 8, DMA_FROM_DEVICE);
}

static inline bool policy_built_in(enum dma_bounce_policy policy)
{
	if (policy == DMA_BOUNCE_POLICY_MISALIGNED)
		return IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED);
	if (policy == DMA_BOUNCE_POLICY_KMALLOC)
		return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC);
	return true;
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

/* The last event of the dma_bounce_mapping class for @dev, and how many. */
struct bounce_event {
	struct device *dev;
	int count;
	phys_addr_t orig, slot;
	size_t size;
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;
};

/* A probe for every event of the class: @data is a struct bounce_event. */
static inline void probe_bounce_event(void *data, struct device *dev,
				      phys_addr_t orig, phys_addr_t slot,
				      size_t size, enum dma_data_direction dir,
				      enum dma_bounce_reason reason)
{
	struct bounce_event *ev = data;

	if (dev != ev->dev)
		return;
	ev->count++;
	ev->orig = orig;
	ev->slot = slot;
	ev->size = size;
	ev->dir = dir;
	ev->reason = reason;
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

/*
 * Whether mappings are counted, and audit mode, are settings of the whole
 * system. The tests that switch them run only in the KUnit run at boot,
 * before init starts any workload; loaded as a module into a running
 * system, they skip rather than change what every device counts.
 */
static inline void test_switches_global(struct kunit *test, const char *what)
{
	if (system_state >= SYSTEM_RUNNING)
		kunit_skip(test, "switches %s for every device: runs only at boot",
			   what);
}

#ifdef CONFIG_DMA_BOUNCE_STATS
/* What a device's counters must show, counter by counter. */
static inline void expect_stats(struct kunit *test, struct device *dev,
				const u64 *want, const char *what)
{
	struct dma_bounce_stats got;
	int i;

	dma_bounce_stats_read(dev, &got);
	/* What dma-debug's hazard detector counts is its tests' business. */
	for (i = 0; i < DMA_BOUNCE_STAT_HAZARD; i++)
		KUNIT_EXPECT_EQ_MSG(test, got.count[i], want[i], "%s: %s counter",
				    what, dma_bounce_stat_name(i));
}

/*
 * Expect @n inbound mappings of @len bytes each, all bounced for @reason,
 * or all mapped in place if it is %DMA_BOUNCE_NONE.
 */
static inline void expect_mappings(struct kunit *test, struct device *dev,
				   u64 n, enum dma_bounce_reason reason,
				   size_t len, const char *what)
{
	u64 want[DMA_BOUNCE_NR_STATS] = {};

	want[DMA_BOUNCE_STAT_SEEN] = n;
	if (reason != DMA_BOUNCE_NONE) {
		want[reason] = n;
		want[DMA_BOUNCE_STAT_BYTES] = n * len;
	}
	expect_stats(test, dev, want, what);
}

static inline void restore_counting(void *on)
{
	dma_bounce_stats_enable((uintptr_t)on);
}

/*
 * Counting switched on until the test ends, then back to what it was: at
 * boot only. For the tests that switch it themselves too.
 */
static inline void test_set_counting(struct kunit *test)
{
	uintptr_t on = dma_bounce_stats_enabled();

	test_switches_global(test, "counting");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_counting,
							(void *)on), 0);
	dma_bounce_stats_enable(true);
}

/* Counting on for the test: switched on by it if it is off (at boot). */
static inline void test_need_counting(struct kunit *test)
{
	if (!dma_bounce_stats_enabled())
		test_set_counting(test);
}

/* A device that counts: non-coherent, with swiotlb, counting switched on. */
static inline struct device *stats_test_device(struct kunit *test)
{
	struct device *dev = bounce_test_device(test);

	test_need_counting(test);
	return dev;
}


/* The rows of the dma_bounce/stats table that start with @name. */
static inline int table_rows(struct kunit *test, const char *name, const char *driver)
{
	size_t size = SZ_64K, len = strlen(name);
	char *table = kunit_kzalloc(test, size, GFP_KERNEL), *line;
	int rows = 0;
	ssize_t ret;

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no dma_bounce/stats without CONFIG_DEBUG_FS");
	KUNIT_ASSERT_NOT_NULL(test, table);
	ret = dma_bounce_stats_table(table, size);
	KUNIT_ASSERT_GT_MSG(test, ret, 0, "reading the table: %zd", ret);

	while ((line = strsep(&table, "\n"))) {
		if (strncmp(line, name, len) || line[len] != ' ')
			continue;
		rows++;
		if (driver)
			KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, driver),
						  "%s: row without driver %s: %s",
						  name, driver, line);
	}
	return rows;
}

static inline void restore_audit(void *line)
{
	dma_bounce_set_audit((uintptr_t)line);
}

/* Audit mode against @line until the test ends: at boot only. */
static inline void test_set_audit(struct kunit *test, unsigned int line)
{
	uintptr_t cur = dma_bounce_audit_line();

	test_switches_global(test, "audit mode");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_audit,
							(void *)cur), 0);
	dma_bounce_set_audit(line);
}
#endif /* CONFIG_DMA_BOUNCE_STATS */

#endif /* _DMA_BOUNCE_KUNIT_H */
