// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device statistics of the inbound DMA mappings that the bounce policy
 * decides on: how many a device makes, how many are bounced and why, how
 * many bytes that copies, and how many swiotlb has to refuse.
 *
 * The counters are per CPU and allocated on a device's first inbound
 * mapping, so that counting costs one per-CPU increment on the fast path
 * and nothing at all for coherent devices. debugfs shows them in
 * dma_bounce/stats, one line per device, and in dma_bounce/devices/<device>;
 * writing to either resets what it shows.
 *
 * Audit mode counts the inbound mappings of coherent devices the same way,
 * as the bounces they would need on a system without cache coherence, and
 * traces them, without bouncing anything.
 */
#define pr_fmt(fmt) "dma-bounce: " fmt

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-bounce.h>
#include <linux/irq_work.h>
#include <linux/kstrtox.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <trace/events/dma_bounce.h>

#include "bounce.h"

/*
 * Counters are u64_stats_t, so that a 32-bit reader does not see half an
 * update; on 64-bit the sync compiles away.
 */
struct dma_bounce_pcpu {
	u64_stats_t count[DMA_BOUNCE_NR_STATS];
	struct u64_stats_sync syncp;
};

/**
 * struct dma_bounce_dev - the statistics of one device
 * @node: in dma_bounce_new until the work takes it, then in dma_bounce_devs
 *	while the device lives, then in dma_bounce_dead
 * @shown: in dma_bounce_shown once the work made its file
 * @pcpu: the counters
 * @base: their sums at the last reset, subtracted from what is shown
 * @dentry: its file in dma_bounce/devices/
 * @reported: the causes of fallback already reported for the device
 * @released: device_release() forgot the device
 * @coherent: the device snoops the CPU caches: its counts are audit mode's
 * @driver: the driver bound at the first counted mapping
 * @name: the device's name
 *
 * Nothing here points back to the device: one freed without going through
 * device_release() leaves statistics that can still be read safely.
 */
struct dma_bounce_dev {
	struct list_head node;
	struct list_head shown;
	struct dma_bounce_pcpu __percpu *pcpu;
	u64 base[DMA_BOUNCE_NR_STATS];
	struct dentry *dentry;
	unsigned long reported;
	bool released;
	bool coherent;
	char driver[32];
	char name[];
};

/*
 * Counting is off until switched on, at boot (dma_bounce_stats=on) or in
 * dma_bounce/stats_enabled: a kernel that does not count pays a patched-out
 * branch per inbound mapping, and not the call and per-CPU update of each.
 */
DEFINE_STATIC_KEY_FALSE(dma_bounce_stats_key);
EXPORT_SYMBOL_GPL(dma_bounce_stats_key);
static bool dma_bounce_stats_at_boot __initdata;

/*
 * Writers of the settings, counting on or off and audit mode, one at a
 * time: static_key_disable() WARNs when it finds the key halfway through a
 * concurrent static_key_enable(), and the audit line must end up agreeing
 * with its key.
 */
static DEFINE_MUTEX(dma_bounce_settings_lock);

/*
 * Devices are added from the mapping path, in any context, and removed
 * from device_release(): a spinlock protects the three lists, the device's
 * dev->dma_bounce, @released and @base, and is never held for more than
 * one device's counters.
 */
static DEFINE_SPINLOCK(dma_bounce_devs_lock);
static LIST_HEAD(dma_bounce_new);
static LIST_HEAD(dma_bounce_devs);
static LIST_HEAD(dma_bounce_dead);

/*
 * Statistics are freed only by dma_bounce_files_sync(), under this mutex:
 * whoever holds it can walk dma_bounce_shown and read each device's
 * counters without the spinlock, and sleep.
 */
static DEFINE_MUTEX(dma_bounce_files_lock);
static LIST_HEAD(dma_bounce_shown);

/* Resets compute their base outside the spinlock: one at a time. */
static DEFINE_MUTEX(dma_bounce_reset_lock);

/* Mappings not counted because the statistics could not be allocated. */
static atomic_long_t dma_bounce_uncounted;

/*
 * A device whose counters could not be allocated points here, and its
 * mappings go uncounted until the next attempt is due: one a second for
 * all such devices, so that a system short of memory is not asked for two
 * atomic allocations on every mapping for the sake of statistics.
 */
static struct dma_bounce_dev dma_bounce_unavailable;
static unsigned long dma_bounce_retry_at;

static bool dma_bounce_dev_counted(const struct dma_bounce_dev *bd)
{
	return bd && bd != &dma_bounce_unavailable;
}

static void dma_bounce_files_sync(struct work_struct *work);
static struct dentry *dma_bounce_devices_dir;
static DECLARE_WORK(dma_bounce_files_work, dma_bounce_files_sync);

/*
 * The mapping path and device_release() only link statistics in or out
 * and raise this irq_work, which is lock-free and may be raised in any
 * context; it queues the work that creates and removes the files.
 */
static void dma_bounce_files_kick(struct irq_work *work)
{
	schedule_work(&dma_bounce_files_work);
}

static DEFINE_IRQ_WORK(dma_bounce_files_irq_work, dma_bounce_files_kick);

VISIBLE_IF_KUNIT struct dma_bounce_dev *dma_bounce_dev_alloc(struct device *dev)
{
	const char *name = dev_name(dev);
	size_t len = strlen(name) + 1;
	struct dma_bounce_dev *bd;
	int cpu;

	KUNIT_STATIC_STUB_REDIRECT(dma_bounce_dev_alloc, dev);

	/* The first mapping may well be made in atomic context. */
	bd = kzalloc(struct_size(bd, name, len), GFP_ATOMIC | __GFP_NOWARN);
	if (!bd)
		return NULL;

	bd->pcpu = alloc_percpu_gfp(struct dma_bounce_pcpu,
				    GFP_ATOMIC | __GFP_NOWARN);
	if (!bd->pcpu) {
		kfree(bd);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(bd->pcpu, cpu)->syncp);

	INIT_LIST_HEAD(&bd->shown);
	bd->coherent = dev_is_dma_coherent(dev);
	/* A device on no bus and in no class has no name for its driver. */
	strscpy(bd->driver, dev_driver_string(dev));
	if (!bd->driver[0])
		strscpy(bd->driver, "-");
	strscpy(bd->name, name, len);
	return bd;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_dev_alloc);

static void dma_bounce_dev_free(struct dma_bounce_dev *bd)
{
	free_percpu(bd->pcpu);
	kfree(bd);
}

/* The device's first counted mapping: its counters are made. */
static noinline struct dma_bounce_dev *
dma_bounce_dev_get_slow(struct device *dev, struct dma_bounce_dev *bd)
{
	struct dma_bounce_dev *new;
	unsigned long flags;

	if (bd && time_before(jiffies, READ_ONCE(dma_bounce_retry_at)))
		return NULL;

	new = dma_bounce_dev_alloc(dev);

	/* Two CPUs may race to make the first mapping: one allocation wins. */
	spin_lock_irqsave(&dma_bounce_devs_lock, flags);
	bd = dev->dma_bounce;
	if (!dma_bounce_dev_counted(bd)) {
		if (new) {
			bd = new;
			list_add_tail(&bd->node, &dma_bounce_new);
			/* The counters are zeroed before anyone can see them. */
			smp_store_release(&dev->dma_bounce, bd);
			new = NULL;
		} else {
			bd = NULL;
			WRITE_ONCE(dev->dma_bounce, &dma_bounce_unavailable);
			WRITE_ONCE(dma_bounce_retry_at, jiffies + HZ);
		}
	}
	spin_unlock_irqrestore(&dma_bounce_devs_lock, flags);

	if (new)
		dma_bounce_dev_free(new);
	else if (bd)
		irq_work_queue(&dma_bounce_files_irq_work);
	return bd;
}

/* Inline: every counted mapping asks, and all but the first find them. */
static __always_inline struct dma_bounce_dev *
dma_bounce_dev_get(struct device *dev)
{
	/*
	 * Dependency-ordered against the release in dma_bounce_dev_get_slow(),
	 * as rcu_dereference().
	 */
	struct dma_bounce_dev *bd = READ_ONCE(dev->dma_bounce);

	if (likely(dma_bounce_dev_counted(bd)))
		return bd;
	return dma_bounce_dev_get_slow(dev, bd);
}

/*
 * Count on this CPU: a mapping seen if @seen, one under @stat unless it is
 * DMA_BOUNCE_NR_STATS, and @bytes copied. Inline: for a mapping made in
 * place, the one counter it adds to is known at compile time.
 */
static __always_inline void dma_bounce_add(struct dma_bounce_dev *bd,
					   bool seen, enum dma_bounce_stat stat,
					   u64 bytes)
{
	struct dma_bounce_pcpu *p = get_cpu_ptr(bd->pcpu);
	unsigned long flags;

	/* Mappings are made in any context: a 32-bit writer masks IRQs. */
	flags = u64_stats_update_begin_irqsave(&p->syncp);
	if (seen)
		u64_stats_inc(&p->count[DMA_BOUNCE_STAT_SEEN]);
	if (stat < DMA_BOUNCE_NR_STATS)
		u64_stats_inc(&p->count[stat]);
	if (bytes)
		u64_stats_add(&p->count[DMA_BOUNCE_STAT_BYTES], bytes);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(bd->pcpu);
}

/**
 * dma_bounce_stats_uncounted - mappings not counted for want of memory
 *
 * Return: how many inbound mappings went uncounted since the last reset of
 * the table, because their device's counters could not be allocated.
 */
long dma_bounce_stats_uncounted(void)
{
	return atomic_long_read(&dma_bounce_uncounted);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_uncounted);

/**
 * __dma_bounce_count - count an inbound mapping to a non-coherent device
 * @dev: the device
 * @reason: why it was bounced, or %DMA_BOUNCE_NONE if it was mapped in place
 * @size: its length
 * @refused: swiotlb had no slot for the bounce it needed
 *
 * The slow part of dma_bounce_count(); callable in any context.
 */
void __dma_bounce_count(struct device *dev, enum dma_bounce_reason reason,
			size_t size, bool refused)
{
	struct dma_bounce_dev *bd = dma_bounce_dev_get(dev);

	if (unlikely(!bd)) {
		atomic_long_inc(&dma_bounce_uncounted);
		return;
	}

	if (likely(reason == DMA_BOUNCE_NONE))
		dma_bounce_add(bd, true, DMA_BOUNCE_NR_STATS, 0);
	else if (refused)
		dma_bounce_add(bd, true, DMA_BOUNCE_STAT_REFUSED, 0);
	else
		dma_bounce_add(bd, true, (enum dma_bounce_stat)reason, size);
}
EXPORT_SYMBOL_GPL(__dma_bounce_count);

/**
 * dma_bounce_note_fallback - count a mapping made in place as a fallback
 * @dev: the device
 * @cause: why the bounce the policy wanted was not made
 *
 * Fallbacks are rare: the device's statistics are looked up, and made if
 * need be, whether counting is on or not, so that each device is reported
 * once per cause; they count the fallback only while counting is on.
 *
 * Return: true the first time @dev falls back for @cause, when it is to be
 * reported; also when the statistics could not be allocated, once per
 * cause for all such devices.
 */
bool dma_bounce_note_fallback(struct device *dev,
			      enum dma_bounce_fallback cause)
{
	static unsigned long reported_uncounted;
	struct dma_bounce_dev *bd = dma_bounce_dev_get(dev);

	if (unlikely(!bd))
		return !test_and_set_bit(cause, &reported_uncounted);

	if (static_branch_unlikely(&dma_bounce_stats_key))
		dma_bounce_add(bd, false, dma_bounce_fallback_stat(cause), 0);
	return !test_bit(cause, &bd->reported) &&
	       !test_and_set_bit(cause, &bd->reported);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_note_fallback);

/**
 * dma_bounce_note_watch - count what dma-debug's hazard detector saw
 * @dev: the device
 * @stat: %DMA_BOUNCE_STAT_HAZARD, %DMA_BOUNCE_STAT_PROTECTIVE or
 *	%DMA_BOUNCE_STAT_PRECAUTIONARY
 *
 * Counted whether counting is on or not: the hazard detector runs only
 * where dma-debug was asked for, and costs far more than the count.
 * Callable in any context.
 */
void dma_bounce_note_watch(struct device *dev, enum dma_bounce_stat stat)
{
	struct dma_bounce_dev *bd = dma_bounce_dev_get(dev);

	if (likely(bd))
		dma_bounce_add(bd, false, stat, 0);
}

static void dma_bounce_dev_sum(struct dma_bounce_dev *bd, u64 *sum)
{
	u64 v[DMA_BOUNCE_NR_STATS];
	unsigned int start;
	int cpu, i;

	memset(sum, 0, sizeof(v));
	for_each_possible_cpu(cpu) {
		const struct dma_bounce_pcpu *p = per_cpu_ptr(bd->pcpu, cpu);

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
				v[i] = u64_stats_read(&p->count[i]);
		} while (u64_stats_fetch_retry(&p->syncp, start));

		for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
			sum[i] += v[i];
	}
}

/*
 * The caller keeps @bd alive: it owns the device, or holds a file of the
 * statistics open, or holds dma_bounce_files_lock. The base is read before
 * the sums, which only grow: no count is ever shown below zero.
 */
static void dma_bounce_dev_read(struct dma_bounce_dev *bd,
				struct dma_bounce_stats *stats)
{
	u64 base[DMA_BOUNCE_NR_STATS];
	int i;

	spin_lock_irq(&dma_bounce_devs_lock);
	memcpy(base, bd->base, sizeof(base));
	spin_unlock_irq(&dma_bounce_devs_lock);

	dma_bounce_dev_sum(bd, stats->count);
	for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
		stats->count[i] -= base[i];
}

/*
 * Resetting remembers the sums instead of clearing the per-CPU counters,
 * which other CPUs may be incrementing: no increment is ever lost.
 */
static void dma_bounce_dev_reset(struct dma_bounce_dev *bd)
{
	u64 sum[DMA_BOUNCE_NR_STATS];

	guard(mutex)(&dma_bounce_reset_lock);
	dma_bounce_dev_sum(bd, sum);
	spin_lock_irq(&dma_bounce_devs_lock);
	memcpy(bd->base, sum, sizeof(sum));
	spin_unlock_irq(&dma_bounce_devs_lock);
}

static const char * const dma_bounce_stat_names[DMA_BOUNCE_NR_STATS] = {
	[DMA_BOUNCE_STAT_SEEN]		= "inbound",
	[DMA_BOUNCE_STAT_HEAD]		= "head",
	[DMA_BOUNCE_STAT_TAIL]		= "tail",
	[DMA_BOUNCE_STAT_SIZE]		= "size",
	[DMA_BOUNCE_STAT_ADDRESSING]	= "addressing",
	[DMA_BOUNCE_STAT_FORCED]	= "forced",
	[DMA_BOUNCE_STAT_BYTES]		= "bytes",
	[DMA_BOUNCE_STAT_REFUSED]	= "refused",
	[DMA_BOUNCE_STAT_FALLBACK_LARGE] = "fb_large",
	[DMA_BOUNCE_STAT_FALLBACK_FULL]	= "fb_full",
	[DMA_BOUNCE_STAT_FALLBACK_SG]	= "fb_sg",
	[DMA_BOUNCE_STAT_FALLBACK_NO_SWIOTLB] = "fb_noiotlb",
	[DMA_BOUNCE_STAT_FALLBACK_ATTR]	= "fb_attr",
	[DMA_BOUNCE_STAT_HAZARD]	= "hazard",
	[DMA_BOUNCE_STAT_PROTECTIVE]	= "protective",
	[DMA_BOUNCE_STAT_PRECAUTIONARY]	= "precaution",
};

/**
 * dma_bounce_stat_name - the name of a counter, as debugfs shows it
 * @stat: the counter
 */
const char *dma_bounce_stat_name(enum dma_bounce_stat stat)
{
	if (stat >= DMA_BOUNCE_NR_STATS)
		return "?";
	return dma_bounce_stat_names[stat];
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stat_name);

/**
 * dma_bounce_stats_read - read a device's bounce statistics
 * @dev: the device, which the caller holds
 * @stats: filled with the counts since the last reset
 *
 * Context: process context.
 * Return: 0, or -ENOENT if @dev never made an inbound mapping that was
 * counted (@stats is then all zeroes).
 */
int dma_bounce_stats_read(struct device *dev, struct dma_bounce_stats *stats)
{
	/* Published with smp_store_release(); @dev cannot be released. */
	struct dma_bounce_dev *bd = READ_ONCE(dev->dma_bounce);

	memset(stats, 0, sizeof(*stats));
	if (!dma_bounce_dev_counted(bd))
		return -ENOENT;
	dma_bounce_dev_read(bd, stats);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_read);

/**
 * dma_bounce_stats_reset - start a device's bounce statistics from zero
 * @dev: the device, which the caller holds
 *
 * Context: process context.
 */
void dma_bounce_stats_reset(struct device *dev)
{
	struct dma_bounce_dev *bd = READ_ONCE(dev->dma_bounce);

	if (dma_bounce_dev_counted(bd))
		dma_bounce_dev_reset(bd);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_reset);

/**
 * dma_bounce_stats_reset_all - start every device's statistics from zero
 *
 * Also the count of mappings that went uncounted.
 *
 * Context: process context.
 */
void dma_bounce_stats_reset_all(void)
{
	struct dma_bounce_dev *bd;

	dma_bounce_files_sync(NULL);
	mutex_lock(&dma_bounce_files_lock);
	list_for_each_entry(bd, &dma_bounce_shown, shown)
		dma_bounce_dev_reset(bd);
	mutex_unlock(&dma_bounce_files_lock);
	atomic_long_set(&dma_bounce_uncounted, 0);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_reset_all);

/**
 * dma_bounce_stats_release - forget a device that is being released
 * @dev: the device
 *
 * Called by device_release(), in whatever context the last reference was
 * dropped: the statistics are freed later, by a work item that removes
 * their debugfs file first.
 */
void dma_bounce_stats_release(struct device *dev)
{
	struct dma_bounce_dev *bd;
	unsigned long flags;

	if (!READ_ONCE(dev->dma_bounce))
		return;

	spin_lock_irqsave(&dma_bounce_devs_lock, flags);
	bd = dev->dma_bounce;
	dev->dma_bounce = NULL;
	if (!dma_bounce_dev_counted(bd)) {
		bd = NULL;
	} else {
		bd->released = true;
		list_move_tail(&bd->node, &dma_bounce_dead);
	}
	spin_unlock_irqrestore(&dma_bounce_devs_lock, flags);

	if (bd)
		irq_work_queue(&dma_bounce_files_irq_work);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_release);

/**
 * dma_bounce_stats_enable - switch the counting of mappings on or off
 * @enable: count from now on
 *
 * Switched off (the default), dma_bounce_count() is patched down to its
 * static branches; the counts already made stay readable.
 */
void dma_bounce_stats_enable(bool enable)
{
	guard(mutex)(&dma_bounce_settings_lock);
	if (enable)
		static_branch_enable(&dma_bounce_stats_key);
	else
		static_branch_disable(&dma_bounce_stats_key);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_enable);

DEFINE_STATIC_KEY_FALSE(dma_bounce_audit_key);
EXPORT_SYMBOL_GPL(dma_bounce_audit_key);

/*
 * The cache line that audit mode checks mappings against, 0 when it is off.
 * "on" takes 128 bytes, the DMA alignment of arm64 kernels, which covers
 * every cache line that a non-coherent arm64 or riscv system has.
 */
#define DMA_BOUNCE_AUDIT_LINE	128
static unsigned int dma_bounce_audit_bytes;

/*
 * Why the misaligned policy would bounce an inbound mapping at @line, as
 * dma_needs_bounce() decides. MMIO has no lines to share. A mapping that
 * requires coherence is never bounced: without coherence it fails, which
 * is no bounce to count. A mapping whose caller keeps the lines it shares
 * clean (%DMA_ATTR_DEBUGGING_IGNORE_CACHELINES) is made in place where
 * the lines are the caller's own (dma_bounce_promise_covers()).
 */
static enum dma_bounce_reason dma_bounce_audit_reason(phys_addr_t phys,
						      size_t size,
						      unsigned long attrs,
						      unsigned int line)
{
	enum dma_bounce_reason reason;

	if (attrs & (DMA_ATTR_MMIO | DMA_ATTR_REQUIRE_COHERENT))
		return DMA_BOUNCE_NONE;
	reason = dma_misalignment(phys, size, line);
	if (reason != DMA_BOUNCE_NONE &&
	    (attrs & DMA_ATTR_DEBUGGING_IGNORE_CACHELINES) &&
	    dma_bounce_promise_covers(phys, size, line))
		return DMA_BOUNCE_NONE;
	return reason;
}

/**
 * __dma_bounce_audit - count what an inbound mapping of a coherent device
 *	would do on a system that is not coherent
 * @dev: the device
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: its direction, not %DMA_TO_DEVICE
 * @attrs: its DMA_ATTR_* flags
 *
 * The misaligned policy decides with the audited cache line, as
 * dma_needs_bounce() does; a mapping it would bounce is counted under its
 * reason and traced. Nothing is bounced.
 */
void __dma_bounce_audit(struct device *dev, phys_addr_t phys, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	unsigned int line = READ_ONCE(dma_bounce_audit_bytes);
	enum dma_bounce_reason reason;

	/* Switched off while this mapping was being made. */
	if (!line)
		return;

	reason = dma_bounce_audit_reason(phys, size, attrs, line);
	__dma_bounce_count(dev, reason, size, false);
	if (reason != DMA_BOUNCE_NONE)
		trace_dma_bounce_audit(dev, phys, 0, size, dir, reason);
}
EXPORT_SYMBOL_GPL(__dma_bounce_audit);

/**
 * dma_bounce_audit_bounces - would every policy bounce an inbound mapping
 *	of a coherent device on a system that is not coherent?
 * @phys: the first byte of the mapping
 * @size: its length
 * @attrs: its DMA_ATTR_* flags
 * @line: the cache line audit mode checks against
 *
 * The misaligned policy decides as audit mode counts it
 * (dma_bounce_audit_reason()); the size rule decides as
 * dma_kmalloc_size_aligned() does, with @line for the DMA alignment, with
 * %DMA_ATTR_DEBUGGING_IGNORE_CACHELINES or without. Neither bounces MMIO,
 * nor a mapping that requires coherence. A mapping that both would bounce
 * shares no cache line there, whatever the CPU writes next to it.
 *
 * Return: true if both would bounce it.
 */
bool dma_bounce_audit_bounces(phys_addr_t phys, size_t size,
			      unsigned long attrs, unsigned int line)
{
	if (dma_bounce_audit_reason(phys, size, attrs, line) == DMA_BOUNCE_NONE)
		return false;
	return size < 2 * line && !IS_ALIGNED(kmalloc_size_roundup(size), line);
}

/**
 * dma_bounce_parse_audit - parse an audit mode setting
 * @str: "on", "off", or the cache line size in bytes, a power of two from
 *	8 to PAGE_SIZE (0 is off); a trailing newline is allowed
 * @line: set to the cache line to audit against, 0 for off
 *
 * Return: 0, or -EINVAL.
 */
int dma_bounce_parse_audit(const char *str, unsigned int *line)
{
	unsigned int val;

	if (!str)
		return -EINVAL;
	if (sysfs_streq(str, "off")) {
		*line = 0;
		return 0;
	}
	if (sysfs_streq(str, "on")) {
		*line = DMA_BOUNCE_AUDIT_LINE;
		return 0;
	}
	if (kstrtouint(str, 0, &val))
		return -EINVAL;
	/* No cache line is longer than 4 KiB, whatever the page size. */
	if (val && (val < 8 || val > SZ_4K || !is_power_of_2(val)))
		return -EINVAL;

	*line = val;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_parse_audit);

/**
 * dma_bounce_set_audit - switch audit mode
 * @line: the cache line to audit against, 0 to switch audit mode off
 *
 * Context: process context; the static key may sleep.
 */
void dma_bounce_set_audit(unsigned int line)
{
	/* Concurrent writers leave the line and the key of the last one. */
	mutex_lock(&dma_bounce_settings_lock);
	WRITE_ONCE(dma_bounce_audit_bytes, line);
	if (line)
		static_branch_enable(&dma_bounce_audit_key);
	else
		static_branch_disable(&dma_bounce_audit_key);
	mutex_unlock(&dma_bounce_settings_lock);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_set_audit);

/**
 * dma_bounce_audit_line - the cache line audit mode checks against
 *
 * Return: its size in bytes, or 0 if audit mode is off.
 */
unsigned int dma_bounce_audit_line(void)
{
	return READ_ONCE(dma_bounce_audit_bytes);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_audit_line);

/* dma_bounce_audit=: a bad value leaves audit mode off. */
static int __init dma_bounce_audit_setup(char *str)
{
	if (dma_bounce_parse_audit(str, &dma_bounce_audit_bytes))
		pr_err("dma_bounce_audit=%s: expected on, off, or a cache line size (a power of two from 8 to %lu), audit mode stays off\n",
		       str ?: "", PAGE_SIZE);
	return 0;
}
early_param("dma_bounce_audit", dma_bounce_audit_setup);

/* dma_bounce_stats=: a bad value is reported and ignored. */
static int __init dma_bounce_stats_setup(char *str)
{
	if (kstrtobool(str, &dma_bounce_stats_at_boot))
		pr_err("dma_bounce_stats=%s: expected on or off, ignored\n",
		       str ?: "");
	return 0;
}
early_param("dma_bounce_stats", dma_bounce_stats_setup);

/* Static keys cannot be switched as early as parameters are parsed. */
static int __init dma_bounce_settings_init(void)
{
	if (dma_bounce_stats_at_boot) {
		dma_bounce_stats_enable(true);
		pr_info("counting inbound mappings and their bounces per device\n");
	}
	if (dma_bounce_audit_bytes) {
		dma_bounce_set_audit(dma_bounce_audit_bytes);
		pr_info("audit mode: inbound mappings of coherent devices checked against %u-byte cache lines\n",
			dma_bounce_audit_bytes);
	}
	return 0;
}
early_initcall(dma_bounce_settings_init);

#ifdef CONFIG_DEBUG_FS
/* All bounces, whatever their reason. */
static u64 dma_bounce_total(const struct dma_bounce_stats *stats)
{
	return stats->count[DMA_BOUNCE_STAT_HEAD] +
	       stats->count[DMA_BOUNCE_STAT_TAIL] +
	       stats->count[DMA_BOUNCE_STAT_SIZE] +
	       stats->count[DMA_BOUNCE_STAT_ADDRESSING] +
	       stats->count[DMA_BOUNCE_STAT_FORCED];
}

/* The counts of a coherent device are those of audit mode. */
static const char *dma_bounce_mode(const struct dma_bounce_dev *bd)
{
	return bd->coherent ? "audit" : "bounce";
}

/* The share of inbound mappings bounced, "12.5%", in a field of @width. */
static void dma_bounce_show_rate(struct seq_file *m, int width,
				 const struct dma_bounce_stats *stats)
{
	u64 seen = stats->count[DMA_BOUNCE_STAT_SEEN];
	u32 permille = 0;
	char rate[16];

	if (seen)
		permille = div64_u64(dma_bounce_total(stats) * 1000, seen);
	snprintf(rate, sizeof(rate), "%u.%u%%", permille / 10, permille % 10);
	seq_printf(m, "%*s", width, rate);
}

static void dma_bounce_show_uncounted(struct seq_file *m)
{
	long n = atomic_long_read(&dma_bounce_uncounted);

	if (n)
		seq_printf(m, "# %ld mappings not counted: no memory for their device's counters\n",
			   n);
}

/*
 * The table is a seq_file walk of dma_bounce_shown under
 * dma_bounce_files_lock: a device at a time, each read with interrupts
 * masked only to copy its base, and never read again as the buffer grows.
 */
static void *dma_bounce_table_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&dma_bounce_files_lock);
	return seq_list_start_head(&dma_bounce_shown, *pos);
}

static void *dma_bounce_table_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &dma_bounce_shown, pos);
}

static void dma_bounce_table_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&dma_bounce_files_lock);
}

static int dma_bounce_table_show(struct seq_file *m, void *v)
{
	struct dma_bounce_stats stats;
	struct dma_bounce_dev *bd;
	int i;

	if (v == &dma_bounce_shown) {
		seq_printf(m, "%-20s %-16s %-6s %7s", "device", "driver",
			   "mode", "rate");
		for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
			seq_printf(m, " %10s", dma_bounce_stat_name(i));
		seq_putc(m, '\n');
		if (list_empty(&dma_bounce_shown))
			dma_bounce_show_uncounted(m);
		return 0;
	}

	bd = list_entry(v, struct dma_bounce_dev, shown);
	/* Released, it waits for the work to free it: no longer a device. */
	if (!READ_ONCE(bd->released)) {
		dma_bounce_dev_read(bd, &stats);
		seq_printf(m, "%-20s %-16s %-6s ", bd->name, bd->driver,
			   dma_bounce_mode(bd));
		dma_bounce_show_rate(m, 7, &stats);
		for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
			seq_printf(m, " %10llu", stats.count[i]);
		seq_putc(m, '\n');
	}
	if (list_is_last(&bd->shown, &dma_bounce_shown))
		dma_bounce_show_uncounted(m);
	return 0;
}

static const struct seq_operations dma_bounce_table_sops = {
	.start	= dma_bounce_table_start,
	.next	= dma_bounce_table_next,
	.stop	= dma_bounce_table_stop,
	.show	= dma_bounce_table_show,
};

/* Devices whose first mapping was a moment ago are in the table too. */
static int dma_bounce_table_open(struct inode *inode, struct file *file)
{
	dma_bounce_files_sync(NULL);
	return seq_open(file, &dma_bounce_table_sops);
}

/* Any write resets every device. */
static ssize_t dma_bounce_table_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	dma_bounce_stats_reset_all();
	return count;
}

static const struct file_operations dma_bounce_table_fops = {
	.owner		= THIS_MODULE,
	.open		= dma_bounce_table_open,
	.read		= seq_read,
	.write		= dma_bounce_table_write,
	.llseek		= seq_lseek,
	.release	= seq_release,
};

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * For the tests, which read the table and look for files as a user of
 * debugfs would, with or without debugfs mounted.
 */

/**
 * dma_bounce_stats_table - the table a reader of dma_bounce/stats gets
 * @buf: filled with it
 * @size: the size of @buf
 *
 * Context: process context.
 * Return: its length, or -EOVERFLOW if it does not fit.
 */
ssize_t dma_bounce_stats_table(char *buf, size_t size)
{
	struct seq_file m = { .buf = buf, .size = size };
	loff_t pos = 0;
	void *v;

	dma_bounce_files_sync(NULL);
	for (v = dma_bounce_table_start(&m, &pos); v;
	     v = dma_bounce_table_next(&m, v, &pos))
		dma_bounce_table_show(&m, v);
	dma_bounce_table_stop(&m, v);

	if (seq_has_overflowed(&m) || m.count == size)
		return -EOVERFLOW;
	buf[m.count] = '\0';
	return m.count;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_table);

/**
 * dma_bounce_stats_has_file - whether dma_bounce/devices/ has a file
 * @name: the file's name, a device's
 *
 * Context: process context; the work that creates and removes the files
 * has run for every device seen until now.
 */
bool dma_bounce_stats_has_file(const char *name)
{
	struct dentry *d;
	bool found;

	dma_bounce_files_sync(NULL);
	if (!dma_bounce_devices_dir)
		return false;
	d = debugfs_lookup(name, dma_bounce_devices_dir);
	found = !IS_ERR_OR_NULL(d);
	dput(d);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_has_file);

/**
 * dma_bounce_stats_files_queued - is the work that makes the files queued?
 *
 * Return: true if it is queued and has not started.
 */
bool dma_bounce_stats_files_queued(void)
{
	return work_pending(&dma_bounce_files_work);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_files_queued);
#endif

static int dma_bounce_dev_show(struct seq_file *m, void *v)
{
	struct dma_bounce_dev *bd = m->private;
	struct dma_bounce_stats stats;
	int i;

	/* A released device keeps its file until the work removes it. */
	seq_printf(m, "device %s\ndriver %s\nmode %s\n", bd->name,
		   READ_ONCE(bd->released) ? "(released)" : bd->driver,
		   dma_bounce_mode(bd));
	dma_bounce_dev_read(bd, &stats);

	seq_puts(m, "rate ");
	dma_bounce_show_rate(m, 0, &stats);
	seq_putc(m, '\n');
	for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", dma_bounce_stat_name(i),
			   stats.count[i]);
	return 0;
}

static ssize_t dma_bounce_dev_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	struct seq_file *m = file->private_data;

	dma_bounce_dev_reset(m->private);
	return count;
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_dev);

static void dma_bounce_create_file(struct dma_bounce_dev *bd)
{
	if (!dma_bounce_devices_dir)
		return;

	bd->dentry = debugfs_create_file(bd->name, 0600, dma_bounce_devices_dir,
					 bd, &dma_bounce_dev_fops);
	/* Two devices of one name on different buses get one file. */
	if (IS_ERR(bd->dentry))
		pr_debug("no debugfs file for %s\n", bd->name);
}

static int dma_bounce_enabled_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", dma_bounce_stats_enabled());
	return 0;
}

static ssize_t dma_bounce_enabled_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	bool enable;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &enable);
	if (ret)
		return ret;
	dma_bounce_stats_enable(enable);
	return count;
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_enabled);

static int dma_bounce_audit_show(struct seq_file *m, void *v)
{
	unsigned int line = dma_bounce_audit_line();

	if (line)
		seq_printf(m, "%u\n", line);
	else
		seq_puts(m, "off\n");
	return 0;
}

static ssize_t dma_bounce_audit_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	unsigned int line;
	char buf[16];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	if (dma_bounce_parse_audit(buf, &line))
		return -EINVAL;
	dma_bounce_set_audit(line);
	return count;
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_audit);

static int __init dma_bounce_stats_debugfs_init(void)
{
	struct dentry *dir = dma_bounce_debugfs_dir();
	struct dma_bounce_dev *bd;

	debugfs_create_file("stats", 0600, dir, NULL, &dma_bounce_table_fops);
	debugfs_create_file("stats_enabled", 0600, dir, NULL,
			    &dma_bounce_enabled_fops);
	debugfs_create_file("audit", 0600, dir, NULL, &dma_bounce_audit_fops);

	/* Devices that mapped memory before now get their files. */
	guard(mutex)(&dma_bounce_files_lock);
	dma_bounce_devices_dir = debugfs_create_dir("devices", dir);
	list_for_each_entry(bd, &dma_bounce_shown, shown)
		dma_bounce_create_file(bd);
	irq_work_queue(&dma_bounce_files_irq_work);
	return 0;
}
late_initcall(dma_bounce_stats_debugfs_init);
#else
static void dma_bounce_create_file(struct dma_bounce_dev *bd)
{
}
#endif /* CONFIG_DEBUG_FS */

/*
 * Free the statistics of released devices, after removing their files, and
 * create the files of new ones. One at a time: the lists it takes from are
 * spliced off in one go, with no rescan.
 */
static void dma_bounce_files_sync(struct work_struct *work)
{
	struct dma_bounce_dev *bd, *next;
	LIST_HEAD(dead);
	LIST_HEAD(born);

	guard(mutex)(&dma_bounce_files_lock);

	spin_lock_irq(&dma_bounce_devs_lock);
	list_splice_init(&dma_bounce_dead, &dead);
	list_for_each_entry(bd, &dma_bounce_new, node)
		list_add_tail(&bd->shown, &born);
	list_splice_tail_init(&dma_bounce_new, &dma_bounce_devs);
	spin_unlock_irq(&dma_bounce_devs_lock);

	/* debugfs_remove() waits for the readers of the file to leave. */
	list_for_each_entry_safe(bd, next, &dead, node) {
		list_del(&bd->shown);
		debugfs_remove(bd->dentry);
		dma_bounce_dev_free(bd);
	}

	list_for_each_entry(bd, &born, shown)
		dma_bounce_create_file(bd);
	list_splice_tail(&born, &dma_bounce_shown);
}
