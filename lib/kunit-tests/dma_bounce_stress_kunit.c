// SPDX-License-Identifier: GPL-2.0
/*
 * Stress tests of the bounce counters: devices unplugged while they map
 * from hard interrupt context and the table is read, CPUs unplugged while
 * threads map, and the debugfs settings written while threads map. Each
 * checks its counts exactly; run them under KASAN, lockdep, KCSAN and
 * kmemleak for what counts cannot show.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/delay.h>

#include "dma_bounce_kunit.h"

/* Table readers, looping until their test stops them. */
struct reader {
	char *buf;
	atomic_t reads;
	atomic_t errors;
};

#define READER_BUF	SZ_64K

static int reader_fn(void *data)
{
	struct reader *r = data;

	while (!kthread_should_stop()) {
		if (dma_bounce_stats_table(r->buf, READER_BUF) < 0)
			atomic_inc(&r->errors);
		atomic_inc(&r->reads);
		cond_resched();
	}
	return 0;
}

static struct reader *start_readers(struct kunit *test, int n)
{
	struct reader *r = kunit_kcalloc(test, n, sizeof(*r), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < n; i++) {
		r[i].buf = kunit_kzalloc(test, READER_BUF, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r[i].buf);
	}
	for (i = 0; i < n; i++)
		test_start_thread(test, reader_fn, &r[i], i);
	return r;
}

static void expect_reads(struct kunit *test, struct reader *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_GT_MSG(test, atomic_read(&r[i].reads), 0,
				    "reader %d never read the table", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&r[i].errors), 0,
				    "reader %d: failed reads", i);
	}
}

/*
 * A device that maps from a hard interrupt (an hrtimer) until it has made
 * its mappings, then is unplugged, round after round, while a reader per
 * CPU reads the table in a loop. Each round's device shows exactly its
 * mappings, and leaves neither row nor file behind. The hrtimer is not in
 * hard mode: it expires in hard interrupt context, except under
 * PREEMPT_RT, where swiotlb's spinlock_t may not be taken there.
 */
#define UNPLUG_ROUNDS		20
#define UNPLUG_MAPPINGS		64

struct unplug {
	struct hrtimer timer;
	struct device *dev;
	u8 *buf;
	atomic_t made;
	atomic_t errors;
	atomic_t not_hardirq;
	struct completion done;
};

static enum hrtimer_restart unplug_timer_fn(struct hrtimer *timer)
{
	struct unplug *u = container_of(timer, struct unplug, timer);
	dma_addr_t dma;

	if (!in_hardirq() && !IS_ENABLED(CONFIG_PREEMPT_RT))
		atomic_inc(&u->not_hardirq);
	dma = dma_map_single(u->dev, u->buf + 8, 40, DMA_FROM_DEVICE);
	if (dma_mapping_error(u->dev, dma))
		atomic_inc(&u->errors);
	else
		dma_unmap_single(u->dev, dma, 40, DMA_FROM_DEVICE);

	if (atomic_inc_return(&u->made) == UNPLUG_MAPPINGS) {
		complete(&u->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(timer, us_to_ktime(100));
	return HRTIMER_RESTART;
}

static void unplug_cancel(void *data)
{
	struct unplug *u = data;

	hrtimer_cancel(&u->timer);
}

static void stress_unplug_hardirq(struct kunit *test)
{
	int readers = max(2U, num_online_cpus());
	struct reader *r;
	struct unplug *u;
	char name[64];
	int round;

	stats_test_device(test);
	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	u->buf = test_kmalloc(test, 256, GFP_KERNEL);
	init_completion(&u->done);
	hrtimer_setup(&u->timer, unplug_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unplug_cancel, u), 0);
	r = start_readers(test, readers);

	for (round = 0; round < UNPLUG_ROUNDS; round++) {
		struct device *dev;

		snprintf(name, sizeof(name), "dma-bounce-unplug%d", round);
		dev = test_dma_device(test, name, false);
		/* KUnit names it after the test: "<test>.<name>". */
		strscpy(name, dev_name(dev));
		u->dev = dev;
		atomic_set(&u->made, 0);
		reinit_completion(&u->done);
		hrtimer_start(&u->timer, us_to_ktime(100), HRTIMER_MODE_REL);
		KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&u->done, 60 * HZ),
				      "round %d: %d of %d mappings in 60 s", round,
				      atomic_read(&u->made), UNPLUG_MAPPINGS);
		hrtimer_cancel(&u->timer);

		expect_mappings(test, dev, UNPLUG_MAPPINGS, DMA_BOUNCE_HEAD, 40, name);
		KUNIT_EXPECT_TRUE_MSG(test, dma_bounce_stats_has_file(name),
				      "%s: no file", name);
		kunit_device_unregister(test, dev);
		KUNIT_EXPECT_EQ_MSG(test, table_rows(test, name, NULL), 0,
				    "%s: rows after it was unplugged", name);
		KUNIT_EXPECT_FALSE_MSG(test, dma_bounce_stats_has_file(name),
				       "%s: file left after it was unplugged", name);
	}

	KUNIT_EXPECT_EQ(test, atomic_read(&u->errors), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&u->not_hardirq), 0,
			    "mappings made outside hard interrupt context");
	expect_reads(test, r, readers);
}

/* Threads that map in a loop until stopped, counting what they made. */
struct mapper {
	struct task_struct *task;
	struct device *dev;
	u8 *buf;
	atomic_long_t made;
	atomic_t errors;
};

static int mapper_fn(void *data)
{
	struct mapper *m = data;
	dma_addr_t dma;

	while (!kthread_should_stop()) {
		dma = dma_map_single(m->dev, m->buf + 8, 40, DMA_FROM_DEVICE);
		if (dma_mapping_error(m->dev, dma)) {
			atomic_inc(&m->errors);
		} else {
			dma_unmap_single(m->dev, dma, 40, DMA_FROM_DEVICE);
			atomic_long_inc(&m->made);
		}
		cond_resched();
	}
	return 0;
}

/* @n mappers on @dev, on any CPU; stopped before their test ends. */
static struct mapper *start_mappers(struct kunit *test, struct device *dev,
				    int n, bool bound)
{
	struct mapper *m = kunit_kcalloc(test, n, sizeof(*m), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < n; i++) {
		m[i].dev = dev;
		m[i].buf = test_kmalloc(test, 256, GFP_KERNEL);
	}
	for (i = 0; i < n; i++)
		m[i].task = test_start_thread(test, mapper_fn, &m[i],
					      bound ? i : -1);
	return m;
}

/* Stop the mappers, and return the mappings they made. */
static u64 stop_mappers(struct kunit *test, struct mapper *m, int n)
{
	u64 made = 0;
	int i;

	for (i = 0; i < n; i++)
		kunit_release_action(test, test_thread_stop, m[i].task);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&m[i].errors), 0,
				    "mapper %d: mapping errors", i);
		made += atomic_long_read(&m[i].made);
	}
	return made;
}

/*
 * A CPU that goes offline keeps its counts: the sums equal the mappings
 * made by threads that ran on it before, during and after, over several
 * offline/online cycles of every CPU but the boot CPU.
 */
#define HOTPLUG_CYCLES		4

/* Whatever happened, the CPUs online before the test are online after. */
static void cpus_online(void *data)
{
	const struct cpumask *online = data;
	unsigned int cpu;

	for_each_cpu(cpu, online)
		if (!cpu_online(cpu))
			add_cpu(cpu);
}

static void stress_cpu_hotplug(struct kunit *test)
{
	struct device *dev = stats_test_device(test);
	int n = 2 * max(2U, num_online_cpus());
	struct dma_bounce_stats got;
	struct cpumask *online;
	unsigned int cpu;
	int cycle, ret;
	struct mapper *m;
	u64 made;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2)
		kunit_skip(test, "needs CPU hotplug and two CPUs");
	test_switches_global(test, "CPUs offline and online");
	online = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, online);
	cpumask_copy(online, cpu_online_mask);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cpus_online, online), 0);

	m = start_mappers(test, dev, n, false);
	for (cycle = 0; cycle < HOTPLUG_CYCLES; cycle++) {
		for_each_cpu(cpu, online) {
			if (cpu == cpumask_first(online))
				continue;
			msleep(20);
			ret = remove_cpu(cpu);
			if (ret == -EBUSY || ret == -EPERM)
				kunit_skip(test, "cpu%u cannot go offline: %d", cpu, ret);
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cycle %d: cpu%u offline", cycle, cpu);
			msleep(20);
			ret = add_cpu(cpu);
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cycle %d: cpu%u online", cycle, cpu);
		}
	}
	made = stop_mappers(test, m, n);

	KUNIT_ASSERT_EQ(test, dma_bounce_stats_read(dev, &got), 0);
	KUNIT_EXPECT_GT(test, made, 0);
	KUNIT_EXPECT_EQ_MSG(test, got.count[DMA_BOUNCE_STAT_SEEN], made,
			    "inbound after %d hotplug cycles", HOTPLUG_CYCLES);
	KUNIT_EXPECT_EQ_MSG(test, got.count[DMA_BOUNCE_STAT_HEAD], made,
			    "head bounces after %d hotplug cycles", HOTPLUG_CYCLES);
}

/*
 * Writers of every setting: counting on and off, audit mode, a device's
 * reset, and the table's reset of every device, which bumps @table_resets
 * before and after, as a sequence count.
 */
enum writer_kind { W_COUNTING, W_AUDIT, W_DEVICE_RESET, W_TABLE_RESET };

struct writer {
	struct task_struct *task;
	enum writer_kind kind;
	struct device *dev;
	atomic_t *table_resets;
	atomic_t writes;
};

static int writer_fn(void *data)
{
	static const unsigned int lines[] = { 0, 64, 128, 0, 32 };
	struct writer *w = data;
	int i = 0;

	while (!kthread_should_stop()) {
		switch (w->kind) {
		case W_COUNTING:
			dma_bounce_stats_enable(i & 1);
			break;
		case W_AUDIT:
			dma_bounce_set_audit(lines[i % ARRAY_SIZE(lines)]);
			break;
		case W_DEVICE_RESET:
			dma_bounce_stats_reset(w->dev);
			break;
		case W_TABLE_RESET:
			atomic_inc(w->table_resets);
			dma_bounce_stats_reset_all();
			atomic_inc(w->table_resets);
			/* Room for the reader to compare two reads. */
			usleep_range(2000, 5000);
			break;
		}
		i++;
		atomic_inc(&w->writes);
		cond_resched();
	}
	return 0;
}

/*
 * Writers of every setting race each other and traffic: afterwards each
 * setting agrees with its static key; the counts of a device that only
 * the table's reset resets never go backwards between two resets; and,
 * counting back on, every mapping is counted.
 */
#define WRITERS_MS		2000

static const enum writer_kind writer_kinds[] = {
	W_COUNTING, W_AUDIT, W_DEVICE_RESET, W_TABLE_RESET,
	W_COUNTING, W_AUDIT, W_DEVICE_RESET,
};

static void stress_settings_writers(struct kunit *test)
{
	int nw = ARRAY_SIZE(writer_kinds), i, seq, last_seq = -1;
	struct device *dev = stats_test_device(test);
	struct dma_bounce_stats got, last = {};
	atomic_t *table_resets;
	uintptr_t line;
	int backwards = 0, compared = 0;
	struct device *watched;
	struct writer *w;
	unsigned long end;
	struct mapper *m;
	u64 made;

	test_switches_global(test, "counting and audit mode");
	/* Audit mode, then counting, back to what they were at the end. */
	test_set_counting(test);
	line = dma_bounce_audit_line();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_audit,
							(void *)line), 0);
	watched = test_dma_device(test, "dma-bounce-watched", false);
	table_resets = kunit_kzalloc(test, sizeof(*table_resets), GFP_KERNEL);
	w = kunit_kcalloc(test, nw, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table_resets);
	KUNIT_ASSERT_NOT_NULL(test, w);

	m = start_mappers(test, dev, 2, true);
	for (i = 0; i < nw; i++) {
		w[i].kind = writer_kinds[i];
		w[i].dev = dev;
		w[i].table_resets = table_resets;
		w[i].task = test_start_thread(test, writer_fn, &w[i], i);
	}

	end = jiffies + msecs_to_jiffies(WRITERS_MS);
	while (time_before(jiffies, end)) {
		dma_addr_t dma = dma_map_single(watched, m[0].buf + 8, 40,
						DMA_FROM_DEVICE);

		if (!dma_mapping_error(watched, dma))
			dma_unmap_single(watched, dma, 40, DMA_FROM_DEVICE);

		seq = atomic_read_acquire(table_resets);
		dma_bounce_stats_read(watched, &got);
		if (seq & 1 || seq != atomic_read_acquire(table_resets)) {
			last_seq = -1;
			continue;
		}
		if (seq == last_seq) {
			compared++;
			for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
				if (got.count[i] < last.count[i] && !backwards++)
					kunit_info(test, "%s went from %llu to %llu\n",
						   dma_bounce_stat_name(i),
						   last.count[i], got.count[i]);
		}
		last = got;
		last_seq = seq;
		cond_resched();
	}
	for (i = 0; i < nw; i++)
		kunit_release_action(test, test_thread_stop, w[i].task);
	stop_mappers(test, m, 2);

	KUNIT_EXPECT_EQ_MSG(test, backwards, 0, "counters of %s went backwards",
			    dev_name(watched));
	KUNIT_EXPECT_GT_MSG(test, compared, 0, "no two reads between resets");
	for (i = 0; i < nw; i++)
		KUNIT_EXPECT_GT_MSG(test, atomic_read(&w[i].writes), 0,
				    "writer %d never wrote", i);
	KUNIT_EXPECT_EQ_MSG(test, dma_bounce_stats_enabled(),
			    static_key_enabled(&dma_bounce_stats_key),
			    "counting and its key disagree");
	KUNIT_EXPECT_EQ_MSG(test, !!dma_bounce_audit_line(),
			    static_key_enabled(&dma_bounce_audit_key),
			    "audit line %u and its key disagree", dma_bounce_audit_line());

	/* Back on, counting counts every mapping again. */
	dma_bounce_stats_enable(true);
	dma_bounce_stats_reset(dev);
	m = start_mappers(test, dev, 2, true);
	msleep(200);
	made = stop_mappers(test, m, 2);
	expect_mappings(test, dev, made, DMA_BOUNCE_HEAD, 40, "after the writers");
}

static struct kunit_case bounce_stress_cases[] = {
	KUNIT_CASE_SLOW(stress_unplug_hardirq),
	KUNIT_CASE_SLOW(stress_cpu_hotplug),
	KUNIT_CASE_SLOW(stress_settings_writers),
	{}
};

static struct kunit_suite bounce_stress_suite = {
	.name = "dma_bounce_stress",
	.test_cases = bounce_stress_cases,
};

kunit_test_suites(&bounce_stress_suite);

MODULE_DESCRIPTION("Stress tests of the DMA bounce counters");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
