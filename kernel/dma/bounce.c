// SPDX-License-Identifier: GPL-2.0
/*
 * Bounce-on-misalignment: the slow path of the decision, and the policy
 * that selects it (dma_bounce= on the command line, dma_bounce/policy in
 * debugfs).
 */
#define pr_fmt(fmt) "dma-bounce: " fmt

#include <kunit/visibility.h>
#include <linux/debugfs.h>
#include <linux/dma-bounce.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bounce.h"

static const char * const dma_bounce_policy_names[] = {
	[DMA_BOUNCE_POLICY_MISALIGNED]	= "misaligned",
	[DMA_BOUNCE_POLICY_KMALLOC]	= "kmalloc",
	[DMA_BOUNCE_POLICY_OFF]		= "off",
};

static const char * const dma_bounce_reason_names[] = {
	[DMA_BOUNCE_NONE]	= "none",
	[DMA_BOUNCE_HEAD]	= "head",
	[DMA_BOUNCE_TAIL]	= "tail",
	[DMA_BOUNCE_SIZE]	= "size",
	[DMA_BOUNCE_ADDRESSING]	= "addressing",
	[DMA_BOUNCE_FORCED]	= "forced",
};

static bool dma_bounce_policy_available(enum dma_bounce_policy policy)
{
	switch (policy) {
	case DMA_BOUNCE_POLICY_MISALIGNED:
		return IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED);
	case DMA_BOUNCE_POLICY_KMALLOC:
		return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC);
	default:
		return true;
	}
}

#define DMA_BOUNCE_POLICY_DEFAULT					\
	(IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED) ?			\
		DMA_BOUNCE_POLICY_MISALIGNED :				\
	 IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) ?		\
		DMA_BOUNCE_POLICY_KMALLOC : DMA_BOUNCE_POLICY_OFF)

DEFINE_STATIC_KEY_FALSE(dma_bounce_off_key);
EXPORT_SYMBOL_GPL(dma_bounce_off_key);
DEFINE_STATIC_KEY_FALSE(dma_bounce_size_rule_key);
EXPORT_SYMBOL_GPL(dma_bounce_size_rule_key);

/*
 * The policy chosen at boot. dma_bounce= is parsed before static keys can
 * be switched (arm64 parses early parameters in setup_arch()), so the keys
 * follow it in an early initcall: they hold the Kconfig default until
 * then, before any driver is probed. kmalloc() reads it directly, as its
 * caches are created earlier still.
 */
static enum dma_bounce_policy dma_bounce_boot_policy __ro_after_init =
	DMA_BOUNCE_POLICY_DEFAULT;

/* Serialises changes of the policy: the two keys change together. */
static DEFINE_MUTEX(dma_bounce_policy_lock);

static void __dma_bounce_set_policy(enum dma_bounce_policy policy)
{
	lockdep_assert_held(&dma_bounce_policy_lock);
	if (policy == DMA_BOUNCE_POLICY_OFF) {
		static_branch_enable(&dma_bounce_off_key);
	} else {
		if (policy == DMA_BOUNCE_POLICY_KMALLOC)
			static_branch_enable(&dma_bounce_size_rule_key);
		else
			static_branch_disable(&dma_bounce_size_rule_key);
		static_branch_disable(&dma_bounce_off_key);
	}
}

/**
 * dma_bounce_set_policy - point the static keys at a policy
 * @policy: the policy, built into this kernel
 *
 * Only for the boot policy and for the benchmark, which measures each
 * policy in the same boot; dma_bounce_switch_policy() checks the switch.
 */
void dma_bounce_set_policy(enum dma_bounce_policy policy)
{
	guard(mutex)(&dma_bounce_policy_lock);
	__dma_bounce_set_policy(policy);
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_set_policy);

static int __init dma_bounce_apply_boot_policy(void)
{
	if (dma_bounce_boot_policy != dma_bounce_get_policy())
		dma_bounce_set_policy(dma_bounce_boot_policy);
	return 0;
}
early_initcall(dma_bounce_apply_boot_policy);

/**
 * dma_bounce_unaligned_kmalloc - may kmalloc() objects share cache lines?
 *
 * Only when the policy chosen at boot bounces the inbound mappings that
 * would corrupt their neighbours. Asked once, when the kmalloc() caches are
 * created.
 */
bool dma_bounce_unaligned_kmalloc(void)
{
	return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) &&
	       dma_bounce_boot_policy != DMA_BOUNCE_POLICY_OFF;
}

const char *dma_bounce_policy_name(enum dma_bounce_policy policy)
{
	if (policy >= ARRAY_SIZE(dma_bounce_policy_names))
		return "?";
	return dma_bounce_policy_names[policy];
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_policy_name);

const char *dma_bounce_reason_name(enum dma_bounce_reason reason)
{
	if (reason >= ARRAY_SIZE(dma_bounce_reason_names))
		return "?";
	return dma_bounce_reason_names[reason];
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_reason_name);

/*
 * Does a mapping of @size bytes from the start of @slot cover the object as
 * its owner asked for it? If not, the bytes after the mapping are other
 * fields of the same object, which the CPU may write during the transfer.
 */
static bool dma_covers_object(size_t size, const struct kmem_obj_slot *slot)
{
	/*
	 * kmalloc(n) hands out the smallest size class that holds n bytes:
	 * any mapping that would have been served by this class may be the
	 * whole object, as the size rule of v6.5 assumes for every mapping.
	 */
	if (slot->size_class)
		return kmalloc_size_roundup(size) == slot->object_size;

	return size >= slot->object_size;
}

/**
 * dma_tail_in_own_slack - is the rest of a mapping's last line its own slack?
 * @phys: the first byte of the mapping, aligned to @line
 * @size: its length, not a multiple of @line
 * @line: the cache line size
 *
 * The mapping must start at a slab object, cover it, and end its last
 * cache line within the object's slot. Memory outside the slab allocator
 * (page allocator, vmalloc, MMIO) has no slack that we know of.
 */
bool dma_tail_in_own_slack(phys_addr_t phys, size_t size, unsigned int line)
{
	unsigned long pfn = PHYS_PFN(phys);
	struct kmem_obj_slot slot;
	void *addr;

	if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
		return false;

	addr = phys_to_virt(phys);
	if (!kmem_find_obj_slot(addr, &slot) || addr != slot.start)
		return false;

	if (!dma_covers_object(size, &slot))
		return false;

	/* Checked first so that aligning @size up cannot wrap around. */
	if (size > slot.slot_size)
		return false;

	return ALIGN(size, line) <= slot.slot_size;
}
EXPORT_SYMBOL_GPL(dma_tail_in_own_slack);

/**
 * dma_bounce_unavailable - the policy wants a bounce the device cannot have
 * @dev: the device, which has no swiotlb pool
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 *
 * Without swiotlb (swiotlb=noforce, or no pool for @dev) the kernel is back
 * to its state before v6.5: kmalloc() is aligned to the cache line, and what
 * callers lay out themselves is mapped in place. Do that, and say so.
 *
 * Return: false, the mapping is made in place.
 */
bool dma_bounce_unavailable(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir)
{
	dev_warn_ratelimited(dev,
			     "no swiotlb to bounce misaligned %s mapping %pa+%zu, mapping in place\n",
			     dir == DMA_FROM_DEVICE ? "DMA_FROM_DEVICE" :
						      "DMA_BIDIRECTIONAL",
			     &phys, size);
	return false;
}
EXPORT_SYMBOL_GPL(dma_bounce_unavailable);

/**
 * dma_bounce_parse_policy - parse a policy name
 * @str: "misaligned", "kmalloc" or "off", a trailing newline allowed
 * @policy: set to the policy named
 *
 * Return: 0, or -EINVAL if @str names no policy.
 */
int dma_bounce_parse_policy(const char *str, enum dma_bounce_policy *policy)
{
	int i;

	if (!str)
		return -EINVAL;

	i = sysfs_match_string(dma_bounce_policy_names, str);
	if (i < 0)
		return -EINVAL;

	*policy = i;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_parse_policy);

/*
 * dma_bounce= is parsed before the kmalloc() caches are created, so any
 * policy can be selected here, "off" included, which aligns kmalloc() to
 * the cache line. A bad value keeps the default.
 */
static int __init dma_bounce_setup(char *str)
{
	enum dma_bounce_policy policy;

	if (dma_bounce_parse_policy(str, &policy)) {
		pr_err("dma_bounce=%s: expected misaligned, kmalloc or off, keeping %s\n",
		       str ?: "", dma_bounce_policy_name(dma_bounce_boot_policy));
		return 0;
	}
	if (!dma_bounce_policy_available(policy)) {
		pr_err("dma_bounce=%s: not built into this kernel, keeping %s\n",
		       str, dma_bounce_policy_name(dma_bounce_boot_policy));
		return 0;
	}

	dma_bounce_boot_policy = policy;
	return 0;
}
early_param("dma_bounce", dma_bounce_setup);

/**
 * dma_bounce_switch_policy - switch the policy of a running system
 * @policy: the policy to use from now on
 *
 * kmalloc() alignment was fixed when its caches were created, so only the
 * two policies that bounce small kmalloc() objects can replace each other:
 * objects that share cache lines must keep being bounced, and after a boot
 * with "off" there are none to bounce. Mappings in flight stay correct
 * across a switch, because unmap and sync find a bounce buffer from its
 * swiotlb address, never from the policy.
 *
 * Return: 0, -EOPNOTSUPP if @policy is not built in, or -EPERM if either
 * the current policy or @policy is "off".
 */
int dma_bounce_switch_policy(enum dma_bounce_policy policy)
{
	enum dma_bounce_policy cur;

	if (!dma_bounce_policy_available(policy))
		return -EOPNOTSUPP;

	/* Decided and switched under the lock: no switch slips in between. */
	guard(mutex)(&dma_bounce_policy_lock);
	cur = dma_bounce_get_policy();
	if (policy == cur)
		return 0;
	if (policy == DMA_BOUNCE_POLICY_OFF || cur == DMA_BOUNCE_POLICY_OFF)
		return -EPERM;

	__dma_bounce_set_policy(policy);
	pr_info_ratelimited("policy switched from %s to %s\n",
			    dma_bounce_policy_name(cur),
			    dma_bounce_policy_name(policy));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_switch_policy);

#ifdef CONFIG_DEBUG_FS
static int dma_bounce_policy_show(struct seq_file *m, void *v)
{
	enum dma_bounce_policy cur = dma_bounce_get_policy();
	int i;

	for (i = 0; i < ARRAY_SIZE(dma_bounce_policy_names); i++) {
		if (!dma_bounce_policy_available(i))
			continue;
		seq_printf(m, i == cur ? "[%s] " : "%s ",
			   dma_bounce_policy_names[i]);
	}
	seq_putc(m, '\n');
	return 0;
}

/**
 * dma_bounce_write_setting - apply a setting written to a debugfs file
 * @ubuf: what was written
 * @count: its length
 * @apply: parses the setting, NUL-terminated, and applies it
 *
 * Return: @count, -EINVAL if it is too long for any setting, -EFAULT, or
 * the error of @apply.
 */
ssize_t dma_bounce_write_setting(const char __user *ubuf, size_t count,
				 int (*apply)(const char *setting))
{
	char buf[16];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	ret = apply(buf);
	return ret ? ret : count;
}

static int dma_bounce_apply_policy(const char *setting)
{
	enum dma_bounce_policy policy;
	int ret;

	ret = dma_bounce_parse_policy(setting, &policy);
	return ret ? ret : dma_bounce_switch_policy(policy);
}

static ssize_t dma_bounce_policy_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	return dma_bounce_write_setting(ubuf, count, dma_bounce_apply_policy);
}

DEFINE_SHOW_STORE_ATTRIBUTE(dma_bounce_policy);

/* dma_bounce/ in debugfs, created by the first initcall that needs it. */
struct dentry *dma_bounce_debugfs_dir(void)
{
	static struct dentry *dir;

	if (!dir)
		dir = debugfs_create_dir("dma_bounce", NULL);
	return dir;
}

static int __init dma_bounce_debugfs_init(void)
{
	/* Nothing to choose where the DMA API never bounces for alignment. */
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return 0;

	debugfs_create_file("policy", 0600, dma_bounce_debugfs_dir(), NULL,
			    &dma_bounce_policy_fops);
	return 0;
}
late_initcall(dma_bounce_debugfs_init);
#endif /* CONFIG_DEBUG_FS */

static int __init dma_bounce_report(void)
{
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return 0;

	pr_info("policy %s, cache line %d bytes, smallest kmalloc object %zu bytes\n",
		dma_bounce_policy_name(dma_bounce_get_policy()),
		dma_get_cache_alignment(), kmalloc_size_roundup(1));
	return 0;
}
late_initcall(dma_bounce_report);
