// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device statistics of the inbound DMA mappings that the bounce policy
 * decides on: how many a device makes, how many are bounced and why, how
 * many bytes that copies, and how many swiotlb has to refuse.
 *
 * The counters are per CPU and allocated on a device's first inbound
 * mapping, so that counting costs one this_cpu_inc() on the fast path and
 * nothing at all for coherent devices. debugfs shows them in
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
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <trace/events/dma_bounce.h>

#include "bounce.h"

struct dma_bounce_pcpu {
	u64 count[DMA_BOUNCE_NR_STATS];
};

/**
 * struct dma_bounce_dev - the statistics of one device
 * @node: in dma_bounce_devs while the device lives, then in dma_bounce_dead
 * @dev: the device, %NULL once it is released
 * @pcpu: the counters
 * @base: their sums at the last reset, subtracted from what is shown
 * @dentry: its file in dma_bounce/devices/, once the work created it
 * @reported: the causes of fallback already reported for the device
 * @name: the device's name, for its file
 */
struct dma_bounce_dev {
	struct list_head node;
	struct device *dev;
	struct dma_bounce_pcpu __percpu *pcpu;
	u64 base[DMA_BOUNCE_NR_STATS];
	struct dentry *dentry;
	unsigned long reported;
	char name[];
};

DEFINE_STATIC_KEY_TRUE(dma_bounce_stats_key);
EXPORT_SYMBOL_GPL(dma_bounce_stats_key);

/*
 * Devices are added from the mapping path, in any context, and removed
 * from device_release(): a spinlock protects the lists and dev->dma_bounce.
 */
static DEFINE_SPINLOCK(dma_bounce_devs_lock);
static LIST_HEAD(dma_bounce_devs);
static LIST_HEAD(dma_bounce_dead);

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

VISIBLE_IF_KUNIT struct dma_bounce_dev *dma_bounce_dev_alloc(struct device *dev)
{
	const char *name = dev_name(dev);
	size_t len = strlen(name) + 1;
	struct dma_bounce_dev *bd;

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

	bd->dev = dev;
	strscpy(bd->name, name, len);
	return bd;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_dev_alloc);

static void dma_bounce_dev_free(struct dma_bounce_dev *bd)
{
	free_percpu(bd->pcpu);
	kfree(bd);
}

static struct dma_bounce_dev *dma_bounce_dev_get(struct device *dev)
{
	/* Dependency-ordered against the release below, as rcu_dereference(). */
	struct dma_bounce_dev *bd = READ_ONCE(dev->dma_bounce);
	struct dma_bounce_dev *new;
	unsigned long flags;

	if (likely(dma_bounce_dev_counted(bd)))
		return bd;
	if (bd && time_before(jiffies, READ_ONCE(dma_bounce_retry_at)))
		return NULL;

	new = dma_bounce_dev_alloc(dev);

	/* Two CPUs may race to make the first mapping: one allocation wins. */
	spin_lock_irqsave(&dma_bounce_devs_lock, flags);
	bd = dev->dma_bounce;
	if (!dma_bounce_dev_counted(bd)) {
		if (new) {
			bd = new;
			list_add_tail(&bd->node, &dma_bounce_devs);
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
		schedule_work(&dma_bounce_files_work);
	return bd;
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

	this_cpu_inc(bd->pcpu->count[DMA_BOUNCE_STAT_SEEN]);
	if (likely(reason == DMA_BOUNCE_NONE))
		return;

	if (refused) {
		this_cpu_inc(bd->pcpu->count[DMA_BOUNCE_STAT_REFUSED]);
		return;
	}
	this_cpu_inc(bd->pcpu->count[reason]);
	this_cpu_add(bd->pcpu->count[DMA_BOUNCE_STAT_BYTES], size);
}
EXPORT_SYMBOL_GPL(__dma_bounce_count);

/**
 * dma_bounce_note_fallback - count a mapping made in place as a fallback
 * @dev: the device
 * @cause: why the bounce the policy wanted was not made
 *
 * Return: true the first time @dev falls back for @cause, when it is to be
 * reported; also when the statistics are off or could not be allocated,
 * once per cause for all such devices.
 */
bool dma_bounce_note_fallback(struct device *dev,
			      enum dma_bounce_fallback cause)
{
	static unsigned long reported_uncounted;
	struct dma_bounce_dev *bd = NULL;

	if (static_branch_likely(&dma_bounce_stats_key))
		bd = dma_bounce_dev_get(dev);
	if (unlikely(!bd))
		return !test_and_set_bit(cause, &reported_uncounted);

	this_cpu_inc(bd->pcpu->count[dma_bounce_fallback_stat(cause)]);
	return !test_bit(cause, &bd->reported) &&
	       !test_and_set_bit(cause, &bd->reported);
}

static void dma_bounce_dev_sum(struct dma_bounce_dev *bd, u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * DMA_BOUNCE_NR_STATS);
	for_each_possible_cpu(cpu) {
		struct dma_bounce_pcpu *p = per_cpu_ptr(bd->pcpu, cpu);

		for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
			sum[i] += READ_ONCE(p->count[i]);
	}
}

static void dma_bounce_dev_read(struct dma_bounce_dev *bd,
				struct dma_bounce_stats *stats)
{
	int i;

	lockdep_assert_held(&dma_bounce_devs_lock);
	dma_bounce_dev_sum(bd, stats->count);
	for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
		stats->count[i] -= bd->base[i];
}

/*
 * Resetting remembers the sums instead of clearing the per-CPU counters,
 * which other CPUs may be incrementing: no increment is ever lost.
 */
static void dma_bounce_dev_reset(struct dma_bounce_dev *bd)
{
	lockdep_assert_held(&dma_bounce_devs_lock);
	dma_bounce_dev_sum(bd, bd->base);
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
 * @dev: the device
 * @stats: filled with the counts since the last reset
 *
 * Return: 0, or -ENOENT if @dev never made an inbound mapping that was
 * counted (@stats is then all zeroes).
 */
int dma_bounce_stats_read(struct device *dev, struct dma_bounce_stats *stats)
{
	struct dma_bounce_dev *bd;
	unsigned long flags;
	int ret = -ENOENT;

	memset(stats, 0, sizeof(*stats));
	spin_lock_irqsave(&dma_bounce_devs_lock, flags);
	bd = dev->dma_bounce;
	if (dma_bounce_dev_counted(bd)) {
		dma_bounce_dev_read(bd, stats);
		ret = 0;
	}
	spin_unlock_irqrestore(&dma_bounce_devs_lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_read);

/**
 * dma_bounce_stats_reset - start a device's bounce statistics from zero
 * @dev: the device
 */
void dma_bounce_stats_reset(struct device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dma_bounce_devs_lock, flags);
	if (dma_bounce_dev_counted(dev->dma_bounce))
		dma_bounce_dev_reset(dev->dma_bounce);
	spin_unlock_irqrestore(&dma_bounce_devs_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_stats_reset);

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
		bd->dev = NULL;
		list_move_tail(&bd->node, &dma_bounce_dead);
	}
	spin_unlock_irqrestore(&dma_bounce_devs_lock, flags);

	if (bd)
		schedule_work(&dma_bounce_files_work);
}

/**
 * dma_bounce_stats_enable - switch the counting of mappings on or off
 * @enable: count from now on
 *
 * Switched off, dma_bounce_count() is patched down to the direction and
 * coherence tests; the counts already made stay readable.
 */
void dma_bounce_stats_enable(bool enable)
{
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

/**
 * __dma_bounce_audit - count what an inbound mapping of a coherent device
 *	would do on a system that is not coherent
 * @dev: the device
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: its direction, not %DMA_TO_DEVICE
 *
 * The misaligned policy decides with the audited cache line; a mapping it
 * would bounce is counted under its reason and traced. Nothing is bounced.
 */
void __dma_bounce_audit(struct device *dev, phys_addr_t phys, size_t size,
			enum dma_data_direction dir)
{
	unsigned int line = READ_ONCE(dma_bounce_audit_bytes);
	enum dma_bounce_reason reason;

	/* Switched off while this mapping was being made. */
	if (!line)
		return;

	reason = dma_misalignment(phys, size, line);
	__dma_bounce_count(dev, reason, size, false);
	if (reason != DMA_BOUNCE_NONE)
		trace_dma_bounce_audit(dev, phys, 0, size, dir, reason);
}
EXPORT_SYMBOL_GPL(__dma_bounce_audit);

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
	static DEFINE_MUTEX(lock);

	/* Concurrent writers leave the line and the key of the last one. */
	mutex_lock(&lock);
	WRITE_ONCE(dma_bounce_audit_bytes, line);
	if (line)
		static_branch_enable(&dma_bounce_audit_key);
	else
		static_branch_disable(&dma_bounce_audit_key);
	mutex_unlock(&lock);
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

/* Static keys cannot be switched as early as parameters are parsed. */
static int __init dma_bounce_audit_init(void)
{
	if (dma_bounce_audit_bytes) {
		dma_bounce_set_audit(dma_bounce_audit_bytes);
		pr_info("audit mode: inbound mappings of coherent devices checked against %u-byte cache lines\n",
			dma_bounce_audit_bytes);
	}
	return 0;
}
early_initcall(dma_bounce_audit_init);

/* Free the statistics of released devices, after removing their files. */
static void dma_bounce_free_dead(void)
{
	struct dma_bounce_dev *bd, *next;
	LIST_HEAD(dead);

	spin_lock_irq(&dma_bounce_devs_lock);
	list_splice_init(&dma_bounce_dead, &dead);
	spin_unlock_irq(&dma_bounce_devs_lock);

	/* debugfs_remove() waits for the readers of the file to leave. */
	list_for_each_entry_safe(bd, next, &dead, node) {
		debugfs_remove(bd->dentry);
		dma_bounce_dev_free(bd);
	}
}

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
static const char *dma_bounce_mode(struct device *dev)
{
	return dev_is_dma_coherent(dev) ? "audit" : "bounce";
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

static int dma_bounce_table_show(struct seq_file *m, void *v)
{
	struct dma_bounce_stats stats;
	struct dma_bounce_dev *bd;
	int i;

	seq_printf(m, "%-20s %-16s %-6s %7s", "device", "driver", "mode",
		   "rate");
	for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
		seq_printf(m, " %10s", dma_bounce_stat_name(i));
	seq_putc(m, '\n');

	spin_lock_irq(&dma_bounce_devs_lock);
	list_for_each_entry(bd, &dma_bounce_devs, node) {
		dma_bounce_dev_read(bd, &stats);
		seq_printf(m, "%-20s %-16s %-6s ", dev_name(bd->dev),
			   dev_driver_string(bd->dev), dma_bounce_mode(bd->dev));
		dma_bounce_show_rate(m, 7, &stats);
		for (i = 0; i < DMA_BOUNCE_NR_STATS; i++)
			seq_printf(m, " %10llu", stats.count[i]);
		seq_putc(m, '\n');
	}
	spin_unlock_irq(&dma_bounce_devs_lock);

	if (atomic_long_read(&dma_bounce_uncounted))
		seq_printf(m, "# %ld mappings not counted: no memory for their device's counters\n",
			   atomic_long_read(&dma_bounce_uncounted));
	return 0;
}

/* Any write resets every device. */
static ssize_t dma_bounce_table_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct dma_bounce_dev *bd;

	spin_lock_irq(&dma_bounce_devs_lock);
	list_for_each_entry(bd, &dma_bounce_devs, node)
		dma_bounce_dev_reset(bd);
	spin_unlock_irq(&dma_bounce_devs_lock);
	atomic_long_set(&dma_bounce_uncounted, 0);
	return count;
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_table);

static int dma_bounce_dev_show(struct seq_file *m, void *v)
{
	struct dma_bounce_dev *bd = m->private;
	struct dma_bounce_stats stats;
	int i;

	seq_printf(m, "device %s\n", bd->name);

	spin_lock_irq(&dma_bounce_devs_lock);
	/* A released device keeps its file until the work removes it. */
	if (bd->dev)
		seq_printf(m, "driver %s\nmode %s\n", dev_driver_string(bd->dev),
			   dma_bounce_mode(bd->dev));
	else
		seq_puts(m, "driver (released)\n");
	dma_bounce_dev_read(bd, &stats);
	spin_unlock_irq(&dma_bounce_devs_lock);

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

	spin_lock_irq(&dma_bounce_devs_lock);
	dma_bounce_dev_reset(m->private);
	spin_unlock_irq(&dma_bounce_devs_lock);
	return count;
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_dev);

static struct dma_bounce_dev *dma_bounce_next_without_file(void)
{
	struct dma_bounce_dev *bd;

	guard(spinlock_irq)(&dma_bounce_devs_lock);
	list_for_each_entry(bd, &dma_bounce_devs, node)
		if (!bd->dentry)
			return bd;
	return NULL;
}

/*
 * A device released while its file is being created only moves to
 * dma_bounce_dead, and the work queued for it runs after this one: the
 * statistics stay valid until then.
 */
static void dma_bounce_create_files(void)
{
	struct dma_bounce_dev *bd;

	if (!dma_bounce_devices_dir)
		return;

	while ((bd = dma_bounce_next_without_file())) {
		bd->dentry = debugfs_create_file(bd->name, 0600,
						 dma_bounce_devices_dir, bd,
						 &dma_bounce_dev_fops);
		/* Two devices of one name on different buses get one file. */
		if (IS_ERR(bd->dentry))
			pr_debug("no debugfs file for %s\n", bd->name);
	}
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

	debugfs_create_file("stats", 0600, dir, NULL, &dma_bounce_table_fops);
	debugfs_create_file("stats_enabled", 0600, dir, NULL,
			    &dma_bounce_enabled_fops);
	debugfs_create_file("audit", 0600, dir, NULL, &dma_bounce_audit_fops);
	dma_bounce_devices_dir = debugfs_create_dir("devices", dir);

	/* Devices that mapped memory before now get their files. */
	schedule_work(&dma_bounce_files_work);
	return 0;
}
late_initcall(dma_bounce_stats_debugfs_init);
#else
static void dma_bounce_create_files(void)
{
}
#endif /* CONFIG_DEBUG_FS */

/* Remove the files of released devices and create those of new ones. */
static void dma_bounce_files_sync(struct work_struct *work)
{
	dma_bounce_free_dead();
	dma_bounce_create_files();
}
