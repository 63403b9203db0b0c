// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-device bounce counters and audit mode.
 */
#include <kunit/static_stub.h>
#include <kunit/test-bug.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/poison.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/dma_bounce.h>

#include "dma_bounce_kunit.h"

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

/* Each mapping moves exactly the counters of its direction and reason. */
static void stats_one_mapping(struct kunit *test)
{
	const struct stats_case *c = test->param_value;
	struct device *dev = stats_test_device(test);
	size_t len = c->lines ? c->len * dma_get_cache_alignment() : c->len;
	dma_addr_t dma;
	u8 *buf;

	buf = test_kmalloc(test, 1024, GFP_KERNEL);

	dma = test_map_single(test, dev, buf + c->offset, len, c->dir);
	test_unmap_single(test, dev, dma);

	expect_mappings(test, dev, c->counted, c->reason, len, c->name);
}

/* A scatterlist counts as one mapping per segment. */
static void stats_scatterlist(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	unsigned int line = dma_get_cache_alignment();
	u8 *buf = test_kmalloc(test, 8 * line, GFP_KERNEL);
	u64 want[DMA_BOUNCE_NR_STATS] = {};
	struct scatterlist *sgl = kunit_kcalloc(test, 3, sizeof(*sgl), GFP_KERNEL);
	int nents;

	KUNIT_ASSERT_NOT_NULL(test, sgl);
	sg_init_table(sgl, 3);
	sg_set_buf(&sgl[0], buf, line);			/* in place */
	sg_set_buf(&sgl[1], buf + 2 * line + 8, 40);	/* head */
	sg_set_buf(&sgl[2], buf + 4 * line + 8, 40);	/* head */

	nents = test_map_sg(test, dev, sgl, 3, DMA_FROM_DEVICE);
	KUNIT_ASSERT_EQ(test, nents, 3);
	test_unmap_sg(test, dev, sgl);

	want[DMA_BOUNCE_STAT_SEEN] = 3;
	want[DMA_BOUNCE_STAT_HEAD] = 2;
	want[DMA_BOUNCE_STAT_BYTES] = 80;
	expect_stats(test, dev, want, "three segments, two misaligned");
}

/* Reset starts from zero, and counting goes on from there. */
static void stats_reset(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	struct dma_bounce_stats got;
	dma_addr_t dma;
	int i;

	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_read(dev, &got), -ENOENT,
			    "a new device has statistics");

	for (i = 0; i < 5; i++) {
		dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
		test_unmap_single(test, dev, dma);
	}
	KUNIT_ASSERT_EQ(test, dma_bounce_stats_read(dev, &got), 0);
	KUNIT_EXPECT_EQ(test, got.count[DMA_BOUNCE_STAT_HEAD], 5);

	dma_bounce_stats_reset(dev);
	expect_mappings(test, dev, 0, DMA_BOUNCE_NONE, 0, "after reset");

	dma = test_map_single(test, dev, buf, 100, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, dma);

	expect_mappings(test, dev, 1, DMA_BOUNCE_TAIL, 100, "one mapping after reset");
}

/* A mapping that swiotlb has no slot for is counted as refused, not bounced. */
static void stats_refused(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u64 want[DMA_BOUNCE_NR_STATS] = {};
	int bounced, max;
	dma_addr_t *dma;
	u8 *buf;

	test_own_swiotlb_pool(test, dev, TEST_POOL_SLOTS);
	max = swiotlb_fill_buffers(test, dev, &dma, &buf);
	bounced = fill_swiotlb(test, dev, buf, dma, max);
	unmap_all(dev, dma, bounced);
	KUNIT_ASSERT_LT(test, bounced, max);

	want[DMA_BOUNCE_STAT_SEEN] = bounced + 1;
	want[DMA_BOUNCE_STAT_HEAD] = bounced;
	want[DMA_BOUNCE_STAT_BYTES] = 8 * bounced;
	want[DMA_BOUNCE_STAT_REFUSED] = 1;
	expect_stats(test, dev, want, "swiotlb filled up");
}

/* Map a misaligned buffer inbound on @dev, and expect no counter for it. */
static void expect_not_counted(struct kunit *test, struct device *dev,
			       const char *why)
{
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	struct dma_bounce_stats got;
	dma_addr_t dma;

	dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, dma);

	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_read(dev, &got), -ENOENT,
			    "%s: %s has statistics", why, dev_name(dev));
}

/* A coherent device has nothing to bounce, and nothing is counted. */
static void stats_coherent(struct kunit *test)
{
	if (dma_bounce_audit_line())
		kunit_skip(test, "audit mode is on: it counts coherent devices");
	expect_not_counted(test, test_dma_device(test, "dma-bounce-coherent", true),
			   "coherent device");
}

/* Switched off, counting stops; what was counted stays. */
static void stats_switched_off(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	dma_addr_t dma;
	int i;

	test_set_counting(test);

	/* The first mapping is counted, then counting is switched off. */
	for (i = 0; i < 2; i++) {
		dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
		test_unmap_single(test, dev, dma);
		dma_bounce_stats_enable(false);
	}

	expect_mappings(test, dev, 1, DMA_BOUNCE_HEAD, 40, "one mapping counted, one not");
}

/*
 * With counting off, as it is by default, a fallback is still reported
 * once per device and cause: each of two devices reports its first
 * fallback for a cause, after the other's, and not its second.
 */
static void stats_fallback_reported_per_device(struct kunit *test)
{
	enum dma_bounce_fallback cause = DMA_BOUNCE_FALLBACK_FULL;
	struct device *a = kunit_device_register(test, "dma-bounce-fb-a");
	struct device *b = kunit_device_register(test, "dma-bounce-fb-b");

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	test_set_counting(test);
	dma_bounce_stats_enable(false);

	KUNIT_EXPECT_TRUE_MSG(test, dma_bounce_note_fallback(a, cause),
			      "first fallback of %s, counting off", dev_name(a));
	KUNIT_EXPECT_TRUE_MSG(test, dma_bounce_note_fallback(b, cause),
			      "first fallback of %s after %s's, counting off",
			      dev_name(b), dev_name(a));
	KUNIT_EXPECT_FALSE_MSG(test, dma_bounce_note_fallback(a, cause),
			       "second fallback of %s", dev_name(a));
	KUNIT_EXPECT_FALSE_MSG(test, dma_bounce_note_fallback(b, cause),
			       "second fallback of %s", dev_name(b));
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

	for (i = 0; i < STATS_THREAD_MAPPINGS && !kthread_should_stop(); i++) {
		dma = dma_map_single(t->dev, t->buf + 8, 40, DMA_FROM_DEVICE);
		if (dma_mapping_error(t->dev, dma)) {
			t->errors++;
			continue;
		}
		dma_unmap_single(t->dev, dma, 40, DMA_FROM_DEVICE);
		cond_resched();
	}
	complete(&t->done);
	return test_thread_park();
}

/* A thread per online CPU, at least two, lose no count. */
static void stats_concurrent(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	int n = max(2U, num_online_cpus()), i;
	struct stats_thread *t;

	t = kunit_kcalloc(test, n, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < n; i++) {
		t[i].dev = dev;
		t[i].buf = test_kmalloc(test, 256, GFP_KERNEL);
		init_completion(&t[i].done);
	}
	for (i = 0; i < n; i++)
		test_start_thread(test, stats_thread_fn, &t[i], i);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&t[i].done, 300 * HZ),
				      "thread %d did not finish in 300 s", i);
		KUNIT_EXPECT_EQ_MSG(test, t[i].errors, 0, "thread %d: mapping errors", i);
	}

	expect_mappings(test, dev, n * STATS_THREAD_MAPPINGS, DMA_BOUNCE_HEAD, 40,
			num_online_cpus() > 1 ? "a thread per CPU" : "threads on one CPU");
}

/*
 * The first mapping of a device allocates its counters, published to
 * threads that map at the same moment: a thread per online CPU maps once
 * on a fresh device, released together, round after round.
 */
#define RACE_ROUNDS	1000

struct race {
	struct device *dev;	/* this round's device */
	u8 *buf;
	atomic_t round;		/* bumped to release the threads */
	atomic_t done;		/* threads that mapped in this round */
	atomic_t errors;
	int threads;
};

static int race_thread_fn(void *data)
{
	struct race *r = data;
	int seen = 0, now;
	dma_addr_t dma;

	while (!kthread_should_stop()) {
		now = atomic_read_acquire(&r->round);
		if (now == seen) {
			cpu_relax();
			cond_resched();
			continue;
		}
		seen = now;
		dma = dma_map_single(r->dev, r->buf + 8, 40, DMA_FROM_DEVICE);
		if (dma_mapping_error(r->dev, dma))
			atomic_inc(&r->errors);
		else
			dma_unmap_single(r->dev, dma, 40, DMA_FROM_DEVICE);
		atomic_inc_return_release(&r->done);
	}
	return 0;
}

static void stats_first_mapping_race(struct kunit *test)
{
	struct dma_bounce_stats got;
	struct race *r;
	int round, i, wrong = 0;

	stats_test_device(test);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->buf = test_kmalloc(test, 256, GFP_KERNEL);
	r->threads = max(2U, num_online_cpus());
	for (i = 0; i < r->threads; i++)
		test_start_thread(test, race_thread_fn, r, i);

	for (round = 1; round <= RACE_ROUNDS; round++) {
		struct device *dev = test_dma_device(test, "dma-bounce-race", false);

		r->dev = dev;
		atomic_set(&r->done, 0);
		atomic_set_release(&r->round, round);
		while (atomic_read_acquire(&r->done) < r->threads)
			cond_resched();

		if (dma_bounce_stats_read(dev, &got) ||
		    got.count[DMA_BOUNCE_STAT_SEEN] != r->threads ||
		    got.count[DMA_BOUNCE_STAT_HEAD] != r->threads) {
			if (!wrong++)
				kunit_info(test, "round %d: inbound %llu head %llu, expected %d each\n",
					   round, got.count[DMA_BOUNCE_STAT_SEEN],
					   got.count[DMA_BOUNCE_STAT_HEAD], r->threads);
		}
		kunit_device_unregister(test, dev);
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "%d of %d rounds with %d threads lost counts",
			    wrong, RACE_ROUNDS, r->threads);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
}

/* Which online CPU, by index, is not this one; migration is disabled. */
static int other_cpu_index(void)
{
	int n;

	for (n = 0; cpumask_nth(n, cpu_online_mask) == smp_processor_id(); n++)
		;
	return n;
}

/*
 * A 32-bit CPU reads a 64-bit counter in two halves: a reader must never
 * take one half from before an addition and the other from after it. A
 * thread on another CPU counts bounces of U32_MAX bytes, each of which
 * carries into the upper half of the bytes counter, while this thread
 * reads. n bounces make n * U32_MAX bytes, whose halves (n - 1 and
 * 2^32 - n) add up to U32_MAX; halves of two different sums do not.
 */
#define TORN_READS	100000

struct torn_writer {
	struct device *dev;
	atomic_long_t adds;
};

static int torn_writer_fn(void *data)
{
	struct torn_writer *w = data;

	while (!kthread_should_stop()) {
		__dma_bounce_count(w->dev, DMA_BOUNCE_HEAD, U32_MAX, false);
		if (!(atomic_long_inc_return(&w->adds) % 1024))
			cond_resched();
	}
	return 0;
}

static bool torn_bytes(u64 bytes)
{
	return bytes && (u64)upper_32_bits(bytes) + lower_32_bits(bytes) != U32_MAX;
}

static void stats_reads_whole_counters(struct kunit *test)
{
	struct torn_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	u64 bytes, last = 0, first_torn = 0;
	struct dma_bounce_stats got;
	struct task_struct *writer;
	int i, torn = 0, backwards = 0;
	long adds;

	KUNIT_ASSERT_NOT_NULL(test, w);
	test_need_counting(test);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second CPU to count while this one reads");
	w->dev = kunit_device_register(test, "dma-bounce-torn");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w->dev);
	/* The counters exist before the reads start. */
	__dma_bounce_count(w->dev, DMA_BOUNCE_HEAD, U32_MAX, false);

	migrate_disable();
	writer = test_start_thread(test, torn_writer_fn, w, other_cpu_index());
	for (i = 0; i < TORN_READS; i++) {
		dma_bounce_stats_read(w->dev, &got);
		bytes = got.count[DMA_BOUNCE_STAT_BYTES];
		if (torn_bytes(bytes) && !torn++)
			first_torn = bytes;
		backwards += bytes < last;
		last = bytes;
	}
	adds = atomic_long_read(&w->adds);
	kunit_release_action(test, test_thread_stop, writer);
	migrate_enable();

	KUNIT_EXPECT_EQ_MSG(test, torn, 0,
			    "%d of %d reads during %ld bounces of %u bytes took halves of two sums, the first %#llx",
			    torn, TORN_READS, adds, U32_MAX, first_torn);
	KUNIT_EXPECT_EQ_MSG(test, backwards, 0, "%d of %d reads went backwards",
			    backwards, TORN_READS);
	/* Reads that never overlapped a count would prove nothing. */
	KUNIT_EXPECT_GE_MSG(test, adds, 1000L,
			    "the writer counted %ld bounces during %d reads", adds, TORN_READS);
}

/*
 * When the counters cannot be allocated, every mapping is still made, is
 * counted as uncounted, and the allocation is not attempted again on each
 * mapping. The allocator is replaced in this test's thread only.
 */
struct alloc_stub_ctx {
	int attempts;
};

static struct dma_bounce_dev *failing_dev_alloc(struct device *dev)
{
	struct kunit *test = kunit_get_current_test();
	struct alloc_stub_ctx *ctx = test->priv;

	ctx->attempts++;
	return NULL;
}

/*
 * The first mapping of a device raises an irq_work for its file and queues
 * no work itself, whatever its context: made with interrupts off, it
 * leaves the work unqueued until they are back on. Then the file comes.
 */
static void stats_first_mapping_queues_no_work(struct kunit *test)
{
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	unsigned long flags;
	struct device *dev;
	dma_addr_t dma;
	bool queued;
	int i;

	stats_test_device(test);
	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no dma_bounce/devices/ without CONFIG_DEBUG_FS");
	dev = test_dma_device(test, "dma-bounce-nowork", false);
	/* Other devices' files first. */
	for (i = 0; i < 50 && dma_bounce_stats_files_queued(); i++)
		msleep(20);
	KUNIT_ASSERT_FALSE_MSG(test, dma_bounce_stats_files_queued(),
			       "the files' work still queued after a second");

	local_irq_save(flags);
	dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
	queued = dma_bounce_stats_files_queued();
	local_irq_restore(flags);
	if (!dma_mapping_error(dev, dma))
		dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));

	KUNIT_EXPECT_FALSE_MSG(test, queued,
			       "%s: the first mapping queued the files' work itself",
			       dev_name(dev));
	KUNIT_EXPECT_TRUE_MSG(test, dma_bounce_stats_has_file(dev_name(dev)),
			      "%s: no file", dev_name(dev));
}

#define ALLOC_FAIL_MAPPINGS	1000

static void stats_allocation_failure(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	u8 *buf = test_kmalloc(test, 256, GFP_KERNEL);
	struct alloc_stub_ctx *ctx;
	long before, uncounted;
	unsigned long start, elapsed;
	int i, errors = 0, allowed;
	dma_addr_t dma;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	kunit_activate_static_stub(test, dma_bounce_dev_alloc, failing_dev_alloc);

	before = dma_bounce_stats_uncounted();
	start = jiffies;
	for (i = 0; i < ALLOC_FAIL_MAPPINGS; i++) {
		dma = dma_map_single(dev, buf + 8, 40, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, dma)) {
			errors++;
			continue;
		}
		dma_unmap_single(dev, dma, 40, DMA_FROM_DEVICE);
	}
	uncounted = dma_bounce_stats_uncounted() - before;
	elapsed = jiffies - start;
	/* One attempt, and one more per second the loop took (slow under KCSAN). */
	allowed = 1 + DIV_ROUND_UP(elapsed, HZ);

	KUNIT_EXPECT_EQ_MSG(test, errors, 0, "mappings failed without counters");
	KUNIT_EXPECT_GE_MSG(test, uncounted, ALLOC_FAIL_MAPPINGS,
			    "uncounted grew by %ld for %d mappings", uncounted,
			    ALLOC_FAIL_MAPPINGS);
	KUNIT_EXPECT_LE_MSG(test, ctx->attempts, allowed,
			    "%d allocation attempts for %d mappings in %u ms",
			    ctx->attempts, ALLOC_FAIL_MAPPINGS,
			    jiffies_to_msecs(elapsed));
	KUNIT_EXPECT_EQ(test, dma_bounce_stats_read(dev, &(struct dma_bounce_stats){}),
			-ENOENT);

	/* Memory is back: after the back-off, the device is counted again. */
	kunit_deactivate_static_stub(test, dma_bounce_dev_alloc);
	msleep(1100);
	dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, dma);
	expect_mappings(test, dev, 1, DMA_BOUNCE_HEAD, 40, "first mapping after the back-off");
}

static void release_test_device(struct device *dev)
{
	kfree(dev);
}

struct gone {
	struct device *dev;
	struct device saved;
};

static void gone_restore(void *data)
{
	struct gone *g = data;

	memcpy(g->dev, &g->saved, sizeof(g->saved));
}

static void gone_put(void *data)
{
	put_device(data);
}

/*
 * A device freed without device_release() (one initialised but never
 * registered, say) leaves its statistics behind: reading them must not
 * touch the device. The device is poisoned instead of freed, restored,
 * and only then released, which removes its statistics and file.
 */
static void stats_device_gone(struct kunit *test)
{
	const char *name = "dma-bounce-gone";
	struct device *dev;
	struct gone *g;
	dma_addr_t dma;
	u8 *buf;

	stats_test_device(test);
	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no dma_bounce/stats without CONFIG_DEBUG_FS");
	dev = kzalloc_obj(*dev, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->release = release_test_device;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gone_put, dev), 0);
	KUNIT_ASSERT_EQ(test, dev_set_name(dev, "%s", name), 0);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	set_dma_coherent(test, dev, false);

	buf = test_kmalloc(test, 1024, GFP_KERNEL);
	dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
	test_unmap_single(test, dev, dma);
	expect_mappings(test, dev, 1, DMA_BOUNCE_HEAD, 40, name);
	KUNIT_EXPECT_TRUE(test, dma_bounce_stats_has_file(name));

	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->dev = dev;
	memcpy(&g->saved, dev, sizeof(*dev));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gone_restore, g), 0);
	memset(dev, POISON_FREE, sizeof(*dev));

	KUNIT_EXPECT_EQ_MSG(test, table_rows(test, name, NULL), 1,
			    "%s: rows in the table after the device went", name);
	KUNIT_EXPECT_TRUE(test, dma_bounce_stats_has_file(name));

	kunit_release_action(test, gone_restore, g);
	kunit_release_action(test, gone_put, dev);
	KUNIT_EXPECT_EQ_MSG(test, table_rows(test, name, NULL), 0,
			    "%s: rows in the table after its release", name);
	KUNIT_EXPECT_FALSE_MSG(test, dma_bounce_stats_has_file(name),
			       "%s: file left after its release", name);
}

#define TABLE_DEVICES	64

/*
 * The table lists every device with counters once, with its driver, and
 * each has a file; released, they leave both. A buffer too small is an
 * error, never a partial table.
 */
static void stats_table(struct kunit *test)
{
	struct device *devs[TABLE_DEVICES];
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	char name[32], small[64];
	dma_addr_t dma;
	int i;

	stats_test_device(test);
	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no dma_bounce/stats without CONFIG_DEBUG_FS");
	for (i = 0; i < TABLE_DEVICES; i++) {
		snprintf(name, sizeof(name), "dma-bounce-table%d", i);
		devs[i] = test_dma_device(test, name, false);
		dma = test_map_single(test, devs[i], buf + 8, 40, DMA_FROM_DEVICE);
		test_unmap_single(test, devs[i], dma);
	}

	for (i = 0; i < TABLE_DEVICES; i++) {
		const char *n = dev_name(devs[i]);

		KUNIT_EXPECT_EQ_MSG(test, table_rows(test, n, dev_driver_string(devs[i])),
				    1, "%s: rows in the table", n);
		KUNIT_EXPECT_TRUE_MSG(test, dma_bounce_stats_has_file(n),
				      "%s: no file", n);
	}
	KUNIT_EXPECT_EQ(test, dma_bounce_stats_table(small, sizeof(small)),
			-EOVERFLOW);

	for (i = 0; i < TABLE_DEVICES; i++) {
		snprintf(name, sizeof(name), "%s", dev_name(devs[i]));
		kunit_device_unregister(test, devs[i]);
		KUNIT_EXPECT_EQ_MSG(test, table_rows(test, name, NULL), 0,
				    "%s: rows after its release", name);
		KUNIT_EXPECT_FALSE_MSG(test, dma_bounce_stats_has_file(name),
				       "%s: file left after its release", name);
	}
}

/*
 * Reading the table leaves interrupts on between devices: another CPU's
 * function calls to the reader's CPU, each waited for, are answered while
 * the table is half written. A walk with interrupts off throughout
 * answers them only before its first row or after its last.
 */
#define IRQS_ANSWERS	8

struct irqs_probe {
	char *table;		/* being written, zeroed past its end */
	size_t size;
	int cpu;		/* the reader's */
	bool reading;
	atomic_t answers;	/* with some of the table written */
	size_t written[IRQS_ANSWERS];
};

/* How much of the table is written: its first NUL, by bisection. */
static size_t irqs_table_written(const struct irqs_probe *p)
{
	size_t lo = 0, hi = p->size;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (READ_ONCE(p->table[mid]))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void irqs_answer(void *data)
{
	struct irqs_probe *p = data;
	size_t written;
	int i;

	if (!READ_ONCE(p->reading))
		return;
	written = irqs_table_written(p);
	if (!written)
		return;
	i = atomic_inc_return(&p->answers) - 1;
	if (i < IRQS_ANSWERS)
		p->written[i] = written;
}

static int irqs_caller_fn(void *data)
{
	struct irqs_probe *p = data;

	while (!kthread_should_stop()) {
		if (READ_ONCE(p->reading))
			smp_call_function_single(p->cpu, irqs_answer, p, true);
		cond_resched();
	}
	return 0;
}

/*
 * One read of the table while the other CPU calls the reader's: how many
 * of the calls answered came with part of the table written. The caller
 * is stopped before this returns, so no call is in flight afterwards.
 */
static int irqs_read(struct kunit *test, struct irqs_probe *p, ssize_t *len)
{
	struct task_struct *caller;
	int i, answers, midway = 0;

	memset(p->table, 0, p->size);
	atomic_set(&p->answers, 0);
	migrate_disable();
	p->cpu = smp_processor_id();
	caller = test_start_thread(test, irqs_caller_fn, p, other_cpu_index());
	WRITE_ONCE(p->reading, true);
	*len = dma_bounce_stats_table(p->table, p->size);
	WRITE_ONCE(p->reading, false);
	kunit_release_action(test, test_thread_stop, caller);
	migrate_enable();

	answers = min(atomic_read(&p->answers), IRQS_ANSWERS);
	for (i = 0; i < answers; i++)
		midway += p->written[i] < *len;
	return midway;
}

/*
 * Whether a call gets in during one read depends on the host's load (the
 * other CPU may not run at all while the table is written): read again
 * until one does. A walk with interrupts off throughout never lets one in.
 */
#define IRQS_READS	32

static void stats_table_irqs(struct kunit *test)
{
	struct irqs_probe *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	size_t size = TABLE_DEVICES * 256 + SZ_4K;
	char *table = kunit_kzalloc(test, size, GFP_KERNEL);
	u8 *buf = test_kmalloc(test, 1024, GFP_KERNEL);
	int i, reads, midway = 0;
	char name[32];
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, table);
	stats_test_device(test);
	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no dma_bounce/stats without CONFIG_DEBUG_FS");
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second CPU to call the reader's");
	for (i = 0; i < TABLE_DEVICES; i++) {
		struct device *dev;
		dma_addr_t dma;

		snprintf(name, sizeof(name), "dma-bounce-irqs%d", i);
		dev = test_dma_device(test, name, false);
		dma = test_map_single(test, dev, buf + 8, 40, DMA_FROM_DEVICE);
		test_unmap_single(test, dev, dma);
	}
	/* Their files now, so that the reads below are mostly the walk. */
	KUNIT_ASSERT_GT(test, dma_bounce_stats_table(table, size), 0);
	p->table = table;
	p->size = size;

	for (reads = 1; reads <= IRQS_READS; reads++) {
		midway = irqs_read(test, p, &len);
		KUNIT_ASSERT_GT(test, len, 0);
		if (midway)
			break;
	}
	KUNIT_EXPECT_GE_MSG(test, midway, 1,
			    "in %d reads of the %zd-byte table of %d devices, no call was answered with part of it written",
			    IRQS_READS, len, TABLE_DEVICES);
}

/* Audit mode: what a coherent device's mappings would do without coherence. */
struct audit_case {
	const char *name;
	size_t offset;		/* into a 1024-byte kmalloc() object */
	size_t len;
	unsigned int line;	/* audited against */
	enum dma_data_direction dir;
	enum dma_bounce_reason reason;	/* would-be bounce, NONE for none */
	unsigned long attrs;
};

static const struct audit_case audit_cases[] = {
	{ "40 bytes at +8", 8, 40, 128, DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "40 bytes at +8", 8, 40, 128, DMA_BIDIRECTIONAL, DMA_BOUNCE_HEAD },
	{ "100-byte prefix", 0, 100, 128, DMA_FROM_DEVICE, DMA_BOUNCE_TAIL },
	{ "64 bytes at +64", 64, 64, 64, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "64 bytes at +64", 64, 64, 128, DMA_FROM_DEVICE, DMA_BOUNCE_HEAD },
	{ "two whole lines", 0, 256, 128, DMA_FROM_DEVICE, DMA_BOUNCE_NONE },
	{ "40 bytes at +8", 8, 40, 128, DMA_TO_DEVICE, DMA_BOUNCE_NONE },
	/* The policy keeps it in place: its shared lines are its object's. */
	{ "40 bytes at +8, lines kept clean", 8, 40, 128, DMA_FROM_DEVICE,
	  DMA_BOUNCE_NONE, DMA_ATTR_DEBUGGING_IGNORE_CACHELINES },
	/* Never bounced: it fails without coherence. */
	{ "40 bytes at +8, coherence required", 8, 40, 128, DMA_FROM_DEVICE,
	  DMA_BOUNCE_NONE, DMA_ATTR_REQUIRE_COHERENT },
};

static void audit_case_desc(const struct audit_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s, %u-byte line", c->name,
		 dir_name(c->dir), c->line);
}

KUNIT_ARRAY_PARAM(audit, audit_cases, audit_case_desc);

static void unregister_audit_probe(void *data)
{
	unregister_trace_dma_bounce_audit(probe_bounce_event, data);
	tracepoint_synchronize_unregister();
}

/* A coherent device, with audit mode checking against @line until the end. */
static struct device *audit_test_device(struct kunit *test, unsigned int line)
{
	struct device *dev;

	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_STATS))
		kunit_skip(test, "CONFIG_DMA_BOUNCE_STATS is not set");

	dev = test_dma_device(test, "dma-bounce-audit", true);
	test_set_audit(test, line);
	return dev;
}

/* Audit mode counts and traces what would bounce, and bounces nothing. */
static void audit_mapping(struct kunit *test)
{
	const struct audit_case *c = test->param_value;
	struct device *dev = audit_test_device(test, c->line);
	struct bounce_event *cap;
	dma_addr_t dma;
	u8 *buf;

	cap = test_kmalloc(test, sizeof(*cap), GFP_KERNEL | __GFP_ZERO);
	buf = test_kmalloc(test, 1024, GFP_KERNEL);
	cap->dev = dev;
	if (IS_ENABLED(CONFIG_TRACEPOINTS)) {
		KUNIT_ASSERT_EQ(test, register_trace_dma_bounce_audit(probe_bounce_event,
								      cap), 0);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_audit_probe,
								cap), 0);
	}

	dma = test_map_single_attrs(test, dev, buf + c->offset, c->len, c->dir,
				    c->attrs);
	KUNIT_EXPECT_EQ_MSG(test, dma_to_phys(dev, dma), virt_to_phys(buf + c->offset),
			    "%s: audit mode changed the mapping", c->name);
	KUNIT_EXPECT_FALSE(test, swiotlb_find_pool(dev, dma_to_phys(dev, dma)));
	test_unmap_single(test, dev, dma);

	expect_mappings(test, dev, c->dir != DMA_TO_DEVICE, c->reason, c->len,
			c->name);

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return;
	if (c->reason == DMA_BOUNCE_NONE) {
		KUNIT_EXPECT_EQ_MSG(test, cap->count, 0, "%s: audit events", c->name);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, cap->count, 1, "%s: audit events", c->name);
	KUNIT_EXPECT_EQ(test, cap->orig, virt_to_phys(buf + c->offset));
	KUNIT_EXPECT_EQ_MSG(test, cap->slot, 0, "audit mode bounced nothing");
	KUNIT_EXPECT_EQ(test, cap->size, c->len);
	KUNIT_EXPECT_EQ(test, cap->dir, c->dir);
	KUNIT_EXPECT_EQ_MSG(test, cap->reason, c->reason, "%s: reason %s, expected %s",
			    c->name, dma_bounce_reason_name(cap->reason),
			    dma_bounce_reason_name(c->reason));
}

/* Switched off, audit mode counts nothing. */
static void audit_off(struct kunit *test)
{
	expect_not_counted(test, audit_test_device(test, 0), "audit mode off");
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
	KUNIT_CASE(stats_fallback_reported_per_device),
	KUNIT_CASE(stats_concurrent),
	KUNIT_CASE_SLOW(stats_first_mapping_race),
	KUNIT_CASE(stats_reads_whole_counters),
	KUNIT_CASE(stats_first_mapping_queues_no_work),
	KUNIT_CASE(stats_allocation_failure),
	KUNIT_CASE(stats_device_gone),
	KUNIT_CASE(stats_table),
	KUNIT_CASE_SLOW(stats_table_irqs),
	KUNIT_CASE_PARAM(audit_mapping, audit_gen_params),
	KUNIT_CASE(audit_off),
	KUNIT_CASE_PARAM(audit_parse, audit_parse_gen_params),
	{}
};

static struct kunit_suite bounce_stats_suite = {
	.name = "dma_bounce_stats",
	.test_cases = bounce_stats_cases,
};

kunit_test_suites(&bounce_stats_suite);

MODULE_DESCRIPTION("KUnit tests for DMA bounce counters and audit mode");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
