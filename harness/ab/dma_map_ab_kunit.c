// SPDX-License-Identifier: GPL-2.0
/*
 * The same map+unmap loops for a stock kernel and a patched one: only the
 * public DMA API, so that harness/bench-stock builds this file into both
 * (it is no part of the series) and compares what a mapping costs.
 *
 * Booted under QEMU with -icount shift=0, ktime advances one nanosecond
 * per instruction: the figures are instruction counts, the same from boot
 * to boot and whatever the host does. Each row is the median of
 * AB_ROUNDS rounds of AB_MAPPINGS map+unmap on a device that does not
 * snoop the CPU caches, with the swiotlb pool the system gives it.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define AB_ROUNDS	7
#define AB_MAPPINGS	5000
#define AB_SG_NENTS	4

struct ab_row {
	const char *name;
	/* kmalloc() size of the buffer (0: a page), and the mapping in it */
	size_t alloc, offset, len;
	enum dma_data_direction dir;
	/* as a scatterlist of AB_SG_NENTS such mappings, one per buffer */
	bool sg;
};

static const struct ab_row ab_rows[] = {
	{ "page-256-from",	0, 0, 256, DMA_FROM_DEVICE },
	{ "page-4096-from",	0, 0, 4096, DMA_FROM_DEVICE },
	{ "line-64-from",	128, 0, 64, DMA_FROM_DEVICE },
	{ "kmalloc64-from",	64, 0, 64, DMA_FROM_DEVICE },
	{ "page-4096-to",	0, 0, 4096, DMA_TO_DEVICE },
	{ "off8-8-from",	64, 8, 8, DMA_FROM_DEVICE },
	{ "off8-40-from",	64, 8, 40, DMA_FROM_DEVICE },
	{ "off8-1500-from",	1600, 8, 1500, DMA_FROM_DEVICE },
	{ "sg-line-64-from",	128, 0, 64, DMA_FROM_DEVICE, true },
	{ "sg-off8-8-from",	64, 8, 8, DMA_FROM_DEVICE, true },
};

static void ab_row_desc(const struct ab_row *r, char *desc)
{
	strscpy(desc, r->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ab, ab_rows, ab_row_desc);

static int ab_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void ab_free_page(void *page)
{
	__free_page(page);
}

static void *ab_buf(struct kunit *test, const struct ab_row *r)
{
	void *p;

	if (!r->alloc) {
		struct page *page = alloc_page(GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ab_free_page,
								page), 0);
		return page_address(page);
	}
	p = kunit_kmalloc(test, r->alloc, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* One round: the time of one map+unmap, averaged over AB_MAPPINGS. */
static u64 ab_round(struct kunit *test, struct device *dev,
		    const struct ab_row *r, void *buf, struct scatterlist *sgl)
{
	dma_addr_t dma;
	u64 start;
	int i;

	start = ktime_get_ns();
	for (i = 0; i < AB_MAPPINGS; i++) {
		if (sgl) {
			KUNIT_ASSERT_EQ(test, dma_map_sg(dev, sgl, AB_SG_NENTS,
							 r->dir), AB_SG_NENTS);
			dma_unmap_sg(dev, sgl, AB_SG_NENTS, r->dir);
			continue;
		}
		dma = dma_map_single(dev, buf, r->len, r->dir);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
		dma_unmap_single(dev, dma, r->len, r->dir);
	}
	return div_u64(ktime_get_ns() - start, AB_MAPPINGS);
}

static void dma_map_ab(struct kunit *test)
{
	const struct ab_row *r = test->param_value;
	struct scatterlist *sgl = NULL;
	u64 t[AB_ROUNDS];
	struct device *dev;
	void *buf = NULL;
	int i;

	dev = kunit_device_register(test, "dma-map-ab");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	if (dev_is_dma_coherent(dev))
		kunit_skip(test, "the architecture's devices snoop the CPU caches");

	if (r->sg) {
		sgl = kunit_kcalloc(test, AB_SG_NENTS, sizeof(*sgl), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, sgl);
		sg_init_table(sgl, AB_SG_NENTS);
		for (i = 0; i < AB_SG_NENTS; i++)
			sg_set_buf(&sgl[i], ab_buf(test, r) + r->offset, r->len);
	} else {
		buf = ab_buf(test, r) + r->offset;
	}

	for (i = 0; i < AB_ROUNDS; i++) {
		t[i] = ab_round(test, dev, r, buf, sgl);
		cond_resched();
	}
	sort(t, AB_ROUNDS, sizeof(*t), ab_cmp, NULL);
	kunit_info(test, "ab: %s %llu %llu %llu\n", r->name, t[AB_ROUNDS / 2],
		   t[0], t[AB_ROUNDS - 1]);
}

static struct kunit_case dma_map_ab_cases[] = {
	KUNIT_CASE_PARAM(dma_map_ab, ab_gen_params),
	{}
};

static struct kunit_suite dma_map_ab_suite = {
	.name = "dma_map_ab",
	.test_cases = dma_map_ab_cases,
};

kunit_test_suite(dma_map_ab_suite);

MODULE_DESCRIPTION("map+unmap cost of the DMA API, for a stock and a patched kernel");
MODULE_LICENSE("GPL");
