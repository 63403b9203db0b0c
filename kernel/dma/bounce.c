// SPDX-License-Identifier: GPL-2.0
/*
 * Bounce-on-misalignment: the slow path of the decision, its fallback to
 * in-place mappings, and the policy chosen at boot (dma_bounce=, shown in
 * dma_bounce/policy in debugfs).
 */
#define pr_fmt(fmt) "dma-bounce: " fmt

#include <kunit/visibility.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/dma-bounce.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/page_frag_cache.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <trace/events/dma_bounce.h>

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

static const char * const dma_bounce_fallback_names[] = {
	[DMA_BOUNCE_FALLBACK_NONE]	= "none",
	[DMA_BOUNCE_FALLBACK_LARGE]	= "larger than a swiotlb mapping",
	[DMA_BOUNCE_FALLBACK_FULL]	= "swiotlb short of room",
	[DMA_BOUNCE_FALLBACK_SG]	= "segment of a contiguous IOVA range",
	[DMA_BOUNCE_FALLBACK_NO_SWIOTLB] = "no swiotlb",
	[DMA_BOUNCE_FALLBACK_ATTR]	= "the caller keeps the shared lines clean",
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
 * then, before any driver is probed, and never change afterwards. kmalloc()
 * reads it directly, as its caches are created earlier still.
 */
static enum dma_bounce_policy dma_bounce_boot_policy __ro_after_init =
	DMA_BOUNCE_POLICY_DEFAULT;

/* The largest line any CPU can write back, until the CPUs have told. */
unsigned int dma_bounce_line_size __read_mostly = ARCH_DMA_MINALIGN;
EXPORT_SYMBOL_GPL(dma_bounce_line_size);

/*
 * Decide with the largest line the CPUs have reported so far, as the size
 * rule does, which asks dma_get_cache_alignment() every time. Never
 * smaller: mappings made meanwhile are unmapped with the line they were
 * decided by. dma_get_cache_alignment() is the system's, whichever CPU
 * asks.
 */
static void dma_bounce_raise_line(void)
{
	unsigned int line = dma_get_cache_alignment();
	unsigned int old = READ_ONCE(dma_bounce_line_size);

	/* Never lowered, also when two CPUs come online at once. */
	while (line > old && !try_cmpxchg(&dma_bounce_line_size, &old, line))
		;
}

/*
 * A CPU comes online: the secondary CPUs at boot, any CPU later. It has
 * reported its cache geometry by now (arm64 reads the firmware's cache
 * description as it brings a CPU up), and its line may be larger than any
 * so far.
 */
static int dma_bounce_cpu_online(unsigned int cpu)
{
	dma_bounce_raise_line();
	return 0;
}

static int __init dma_bounce_apply_boot_policy(void)
{
	int ret;

	dma_bounce_line_size = dma_get_cache_alignment();
	/* Before smp_init(), which brings the other CPUs online. */
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "dma/bounce:online",
					dma_bounce_cpu_online, NULL);
	if (ret < 0)
		pr_warn("cannot follow the cache lines of CPUs brought online: %d\n",
			ret);

	if (dma_bounce_boot_policy == DMA_BOUNCE_POLICY_OFF)
		static_branch_enable(&dma_bounce_off_key);
	else if (dma_bounce_boot_policy == DMA_BOUNCE_POLICY_KMALLOC)
		static_branch_enable(&dma_bounce_size_rule_key);
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

/**
 * dma_bounce_owns_slab_padding - do slab objects own their lines' padding?
 *
 * Under the misaligned policy, on systems whose kmalloc() objects share
 * cache lines: an object of a cache aligned to the cache line owns the
 * padding up to the end of its last line, and a mapping of the whole object
 * is made in place (kmem_find_obj_slot()). Its cache is then kept apart from
 * caches of other object sizes, kmalloc()'s included, which would only tell
 * their own object size. Asked when slab caches are created.
 */
bool dma_bounce_owns_slab_padding(void)
{
	return dma_bounce_unaligned_kmalloc() &&
	       dma_bounce_boot_policy == DMA_BOUNCE_POLICY_MISALIGNED;
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_owns_slab_padding);

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

const char *dma_bounce_fallback_name(enum dma_bounce_fallback cause)
{
	if (cause >= ARRAY_SIZE(dma_bounce_fallback_names))
		return "?";
	return dma_bounce_fallback_names[cause];
}
EXPORT_SYMBOL_IF_KUNIT(dma_bounce_fallback_name);

#ifndef CONFIG_DMA_BOUNCE_STATS
/*
 * Without per-device statistics to remember it in, each cause of fallback
 * is reported once.
 */
static bool dma_bounce_note_fallback(struct device *dev,
				     enum dma_bounce_fallback cause)
{
	static unsigned long reported;

	return !test_and_set_bit(cause, &reported);
}
#endif

/*
 * Does a mapping of @size bytes from the start of @slot cover the object as
 * its owner asked for it? If not, the bytes after the mapping are other
 * fields of the same object, which the CPU may write during the transfer.
 * A kmalloc() object too large for the kmalloc() caches is a compound page
 * of its own, whose size is its size class: a jumbo receive buffer or a
 * firmware image mapped whole ends its last line in its own slack.
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

/*
 * Is the rest of the last line of a mapping that starts a line the slack
 * of the very object it maps? The mapping must start at a slab object,
 * cover it, and end its last line within what the object owns, which
 * excludes every byte of allocator metadata. Out of line: its slot on the
 * stack would cost every other decision a stack canary.
 */
static noinline bool dma_tail_in_own_slack(void *addr, size_t size,
					   unsigned int line)
{
	struct kmem_obj_slot slot;

	if (!kmem_find_obj_slot(addr, &slot) || addr != slot.start)
		return false;

	if (!dma_covers_object(size, &slot))
		return false;

	/* Checked first so that aligning @size up cannot wrap around. */
	if (size > slot.owned_size)
		return false;

	return ALIGN(size, line) <= slot.owned_size;
}

/**
 * dma_bounce_promise_covers - may the caller's promise keep a mapping in place?
 * @phys: the first byte of a mapping that shares its first or last line
 * @size: its length
 * @line: the cache line size
 *
 * %DMA_ATTR_DEBUGGING_IGNORE_CACHELINES promises that the CPU leaves the
 * lines the mapping shares clean while the device owns them. A caller can
 * promise that for its own memory only: the rest of the line of a
 * kmalloc(8) object holds other owners' objects, which they write when
 * they like, and the invalidation at unmap would destroy those writes. So
 * the promise keeps a mapping in place only where the mapping and its
 * partial lines lie inside the kmalloc() or slab object that holds it, up
 * to what that object owns, as the buffers of a __dma_from_device_group
 * inside one structure do, however the object is aligned. (A line-owning
 * page fragment holds its lines too, but never gets here:
 * __dma_misalignment() keeps them in place itself.) A slab object
 * that does not hold the lines is bounced, as without the attribute.
 * Where no object can be found, the owner of the memory cannot be told:
 * the mapping is decided as the size rule decides it, as mainline does
 * whatever the attribute, so it is never bounced where mainline maps it
 * in place, nor made in place where mainline bounces it.
 *
 * Out of line, and asked only about mappings that carry the attribute and
 * share a line: dma_needs_bounce() is inlined into every mapping path, and
 * the slab lookup with its slot on the stack would cost each of them code
 * and a stack canary.
 *
 * Return: true to make the mapping in place.
 */
bool dma_bounce_promise_covers(phys_addr_t phys, size_t size,
			       unsigned int line)
{
	phys_addr_t end = phys + size, obj;
	struct kmem_obj_slot slot;
	struct page *page;

	/* A length that wraps around ends in nothing the caller owns. */
	if (unlikely(end < phys))
		return false;

	/* __dma_misalignment() found it in memory the CPU caches. */
	page = pfn_to_page(PHYS_PFN(phys));
	if (PageHighMem(page) || !kmem_find_obj_slot(phys_to_virt(phys), &slot))
		return !folio_test_slab(page_folio(page)) &&
		       dma_kmalloc_size_aligned(size);

	obj = virt_to_phys(slot.start);
	return ALIGN_DOWN(phys, line) >= obj &&
	       ALIGN(end, line) - obj <= slot.owned_size;
}
EXPORT_SYMBOL_GPL(dma_bounce_promise_covers);

/*
 * Is a line of @page in a page fragment that owns whole lines? Such
 * fragments start and end on SMP_CACHE_BYTES boundaries, so a DMA line of
 * at most that size holds bytes of one fragment only: those of the driver
 * that allocated it and maps part of it. For an skb head, the rest of the
 * line is its headroom or tailroom, which nobody writes while the driver
 * holds the buffer for receive; its skb_shared_info starts a line.
 */
static bool dma_line_in_own_frag(struct page *page, unsigned int line)
{
	return page && line <= SMP_CACHE_BYTES && page_frag_owns_lines(page);
}

/* The page of the last byte of a mapping, without a second lookup if it is the first's. */
static struct page *dma_last_page(struct page *first, phys_addr_t phys,
				  phys_addr_t last)
{
	if (PHYS_PFN(last) == PHYS_PFN(phys))
		return first;
	return dma_bounce_normal_page(last);
}

/**
 * __dma_misalignment - dma_misalignment() for a mapping of partial lines
 * @phys: the first byte of the mapping
 * @size: its length
 * @line: the cache line size
 *
 * Return: %DMA_BOUNCE_NONE if every line the mapping touches is its own
 * or the memory is not normal memory, else which end of it shares a line.
 */
enum dma_bounce_reason __dma_misalignment(phys_addr_t phys, size_t size,
					  unsigned int line)
{
	phys_addr_t last = phys + size - 1;
	struct page *page;

	/* A zero-length mapping touches no cache line at all. */
	if (unlikely(!size))
		return DMA_BOUNCE_NONE;

	/* Only memory the CPU caches has lines to share. */
	page = dma_bounce_normal_page(phys);
	if (!page)
		return DMA_BOUNCE_NONE;

	/* A length that wraps around ends in nothing the mapper owns. */
	if (unlikely(last < phys))
		return phys & (line - 1) ? DMA_BOUNCE_HEAD : DMA_BOUNCE_TAIL;

	/*
	 * The bytes before @phys in its line belong to someone else, or to
	 * other fields of the same object: invalidating the line on unmap
	 * would discard what the CPU wrote there in the meantime. Unless
	 * the line lies in the mapper's own line-owning page fragment.
	 */
	if (phys & (line - 1)) {
		if (!dma_line_in_own_frag(page, line))
			return DMA_BOUNCE_HEAD;
		if (!((last + 1) & (line - 1)) ||
		    dma_line_in_own_frag(dma_last_page(page, phys, last), line))
			return DMA_BOUNCE_NONE;
		return DMA_BOUNCE_TAIL;
	}

	/* A receive buffer in a fragment that owns whole lines, such as an skb head. */
	if (dma_line_in_own_frag(dma_last_page(page, phys, last), line))
		return DMA_BOUNCE_NONE;

	/*
	 * The mapping starts a line but ends inside one. That is safe only
	 * when the rest of the line is slack of the very object mapped, which
	 * nobody writes: ask the slab allocator.
	 */
	if (!PageHighMem(page) &&
	    dma_tail_in_own_slack(phys_to_virt(phys), size, line))
		return DMA_BOUNCE_NONE;

	return DMA_BOUNCE_TAIL;
}
EXPORT_SYMBOL_GPL(__dma_misalignment);

/**
 * dma_bounce_fallback - make a mapping in place that the policy would bounce
 * @dev: the device
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @reason: why the policy would bounce it
 * @cause: why it is not bounced
 *
 * The mapping is made as it was made before this policy: its cache lines
 * are shared as they were then. Count it, trace it, and say so once per
 * device and cause, since an in-place mapping here is what the size rule
 * does too.
 */
void dma_bounce_fallback(struct device *dev, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir,
			 enum dma_bounce_reason reason,
			 enum dma_bounce_fallback cause)
{
	/* The dma_bounce events are created with swiotlb's. */
	if (IS_ENABLED(CONFIG_SWIOTLB))
		trace_dma_bounce_fallback(dev, phys, size, dir, reason, cause);
	if (!dma_bounce_note_fallback(dev, cause))
		return;

	dev_info(dev, "misaligned %s mapping %pa+%zu (%s) made in place: %s; reported once\n",
		 dir == DMA_FROM_DEVICE ? "DMA_FROM_DEVICE" : "DMA_BIDIRECTIONAL",
		 &phys, size, dma_bounce_reason_name(reason),
		 dma_bounce_fallback_name(cause));
}
EXPORT_SYMBOL_GPL(dma_bounce_fallback);

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

/* The policy is fixed at boot: the file only tells which it is. */
DEFINE_SHOW_ATTRIBUTE(dma_bounce_policy);

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

	debugfs_create_file("policy", 0400, dma_bounce_debugfs_dir(), NULL,
			    &dma_bounce_policy_fops);
	return 0;
}
late_initcall(dma_bounce_debugfs_init);
#endif /* CONFIG_DEBUG_FS */

/*
 * By now every CPU has reported its cache geometry (arm64 may raise its
 * line size from the firmware's cache description): keep the largest.
 */
static int __init dma_bounce_report(void)
{
	dma_bounce_raise_line();
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return 0;

	pr_info("policy %s, cache line %u bytes, smallest kmalloc object %zu bytes\n",
		dma_bounce_policy_name(dma_bounce_get_policy()),
		dma_bounce_line_size, kmalloc_size_roundup(1));
	return 0;
}
late_initcall(dma_bounce_report);
