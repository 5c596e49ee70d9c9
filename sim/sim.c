// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated host: settings, domains, privilege and capabilities, and
 * the read-only views (frame info, IOMMU lookup, stats, memory).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim-private.h"

XPI_EXPORT void xpi_sim_config_init(struct xpi_sim_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->iommu_present = 1;
	cfg->max_order = 18;
	cfg->bfn_width = 36;
	cfg->host_frames = UINT64_C(1) << 20;
	cfg->xen_frames = 256;
	cfg->hwdom_frames = 65536;
	cfg->preempt_every = 1024;
	cfg->hypercall_present = 1;
	cfg->ioreq_vcpus = 1;
	cfg->xs_foreign_offset = SIM_XS_FOREIGN_OFFSET;
}

static int check_config(const struct xpi_sim_config *c)
{
	if (c->max_order > IOMMU_page_order_max)
		return -EINVAL;
	if (c->bfn_width < 1 || c->bfn_width > 63)
		return -EINVAL;
	if (c->host_frames > SIM_MAX_HOST_FRAMES)
		return -EINVAL;
	if (c->xen_frames >= c->host_frames ||
	    c->hwdom_frames > c->host_frames - c->xen_frames - 1)
		return -EINVAL;
	if (c->ioreq_vcpus < 1 || c->ioreq_vcpus > SIM_MAX_VCPUS)
		return -EINVAL;
	return sim_xs_check_config(c);
}

static struct sim_domain *domain_alloc(struct xpi_sim *sim, uint16_t domid,
				       uint64_t p2m_size)
{
	struct sim_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->domid = domid;
	d->dm_target = XPI_DOMID_INVALID;
	d->scratch = SIM_NO_MFN;
	d->p2m_size = p2m_size;
	d->p2m = malloc((p2m_size ? p2m_size : 1) * sizeof(*d->p2m));
	if (!d->p2m) {
		free(d);
		return NULL;
	}
	for (uint64_t g = 0; g < p2m_size; g++)
		d->p2m[g] = SIM_NO_MFN;
	xpi_radix_init(&d->iommu, sim->cfg.bfn_width);
	return d;
}

XPI_EXPORT int xpi_sim_new(const struct xpi_sim_config *cfg,
			   struct xpi_sim **out)
{
	struct xpi_sim_config defaults;
	struct xpi_sim *sim;
	struct sim_domain *d0;
	uint64_t m, first;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg) {
		xpi_sim_config_init(&defaults);
		cfg = &defaults;
	}
	rc = check_config(cfg);
	if (rc)
		return rc;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->cfg = *cfg;
	sim->nframes = cfg->host_frames;
	sim->scratch = cfg->xen_frames;
	sim->prng = UINT64_C(0x9E3779B97F4A7C15);
	sim->frames = calloc(sim->nframes, sizeof(*sim->frames));
	if (!sim->frames) {
		free(sim);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&sim->lock, NULL)) {
		free(sim->frames);
		free(sim);
		return -ENOMEM;
	}
	for (m = 0; m < sim->nframes; m++) {
		struct sim_frame *f = &sim->frames[m];

		f->owner = XPI_DOMID_INVALID;
		if (m <= sim->scratch) {
			/* Xen's own frames and the scratch page. */
			f->flags = FRAME_XEN;
			f->owner = SIM_DOMID_XEN;
			f->refs = 1;
		} else {
			f->flags = FRAME_FREE;
			sim->st.free_frames++;
		}
	}
	/* The hardware domain: PV, its frames at GFN == MFN after scratch. */
	first = sim->scratch + 1;
	d0 = domain_alloc(sim, XPI_SIM_HWDOM, first + cfg->hwdom_frames);
	if (!d0) {
		xpi_sim_free(sim);
		return -ENOMEM;
	}
	d0->has_iommu_hw = 1;
	sim->dom[XPI_SIM_HWDOM] = d0;
	for (m = first; m < first + cfg->hwdom_frames; m++) {
		d0->p2m[m] = m;
		sim_frame_take(sim, m, XPI_SIM_HWDOM);
	}
	sim->alloc_cursor = first + cfg->hwdom_frames;
	if (sim->alloc_cursor >= sim->nframes)
		sim->alloc_cursor = 0;
	*out = sim;
	return 0;
}

static void domain_free(struct sim_domain *d)
{
	for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++)
		sim_ioserver_free(d->ios[i]);
	xpi_radix_destroy(&d->iommu);
	free(d->grants);
	free(d->p2m);
	free(d);
}

XPI_EXPORT void xpi_sim_free(struct xpi_sim *sim)
{
	if (!sim)
		return;
	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++)
		if (sim->dom[i])
			domain_free(sim->dom[i]);
	sim_m2b_free(&sim->m2b);
	free(sim->pend);
	free(sim->handles);
	free(sim->frames);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

XPI_EXPORT int xpi_sim_domain_create(struct xpi_sim *sim, uint16_t domid,
				     const struct xpi_sim_domain_config *cfg)
{
	struct sim_domain *d;
	int rc;

	if (!sim || !cfg || domid == XPI_SIM_HWDOM ||
	    domid >= XPI_DOMID_FIRST_RESERVED || cfg->nr_pages == 0 ||
	    (cfg->backing != XPI_SIM_BACKING_CONTIGUOUS &&
	     cfg->backing != XPI_SIM_BACKING_SCATTERED))
		return -EINVAL;
	SIM_LOCK(sim);
	if (cfg->dm_target != XPI_DOMID_INVALID &&
	    (cfg->dm_target == domid || cfg->dm_target == XPI_SIM_HWDOM ||
	     !sim_dom(sim, cfg->dm_target))) {
		rc = -EINVAL;
		goto out;
	}
	if (sim->dom[domid]) {
		rc = -EEXIST;
		goto out;
	}
	if (cfg->nr_pages > sim->st.free_frames) {
		rc = -ENOMEM;
		goto out;
	}
	d = domain_alloc(sim, domid, cfg->nr_pages);
	if (!d) {
		rc = -ENOMEM;
		goto out;
	}
	d->has_iommu_hw = cfg->has_iommu_hw != 0;
	d->dm_target = cfg->dm_target;
	rc = sim_alloc_p2m(sim, d, cfg->backing);
	if (rc) {
		domain_free(d);
		goto out;
	}
	sim->dom[domid] = d;
out:
	SIM_UNLOCK(sim);
	return rc;
}

static int drop_extent(void *opaque, const struct xpi_radix_extent *ext)
{
	struct xpi_sim *sim = opaque;

	/* Foreign extents hold nothing themselves: their M2B entries do. */
	if (!(ext->value & IOV_FOREIGN)) {
		sim_alias_add(sim, ext->value & IOV_MFN_MASK,
			      UINT64_C(1) << ext->order, -1);
		sim_extent_drop_refs(sim, ext->value, ext->order);
	}
	sim->st.iommu_entries--;
	return 0;
}

XPI_EXPORT int xpi_sim_domain_destroy(struct xpi_sim *sim, uint16_t domid)
{
	struct sim_domain *d;
	struct sim_m2b_pool *p;

	if (!sim || domid == XPI_SIM_HWDOM)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d) {
		SIM_UNLOCK(sim);
		return -ESRCH;
	}
	/* Its grant mappings, its IOMMU table and the M2B entries it made. */
	sim_grants_release_caller(sim, domid);
	if (d->iommu.extents)
		sim->st.iotlb_flushes++;
	xpi_radix_walk(&d->iommu, drop_extent, sim);
	xpi_radix_destroy(&d->iommu);
	p = &sim->m2b;
	for (uint32_t i = 0; i < p->used; i++) {
		struct sim_m2b *e = &p->e[i];

		if (!(e->flags & M2B_USED) || e->caller != domid)
			continue;
		/* An extent counts once towards its target's quota. */
		if (!(e->bfn & ((UINT64_C(1) << e->order) - 1)))
			sim->target_records[e->domid]--;
		if (!(e->flags & M2B_SWAPPED))
			sim_alias_add(sim, e->mfn, 1, -1);
		/* A swapped record holds the scratch frame instead. */
		sim_frame_put(sim, e->mfn,
			      !(e->flags & M2B_SWAPPED) &&
				      (e->flags & M2B_WRITABLE));
		sim_m2b_del(sim, i);
	}
	/* Its scratch frame lives on while swapped BFNs point at it. */
	if (d->scratch != SIM_NO_MFN)
		sim_frame_put(sim, d->scratch, 0);
	/* Its memory: frames still referenced live on until the last put. */
	for (uint64_t g = 0; g < d->p2m_size; g++) {
		uint64_t m = d->p2m[g];

		if (m == SIM_NO_MFN)
			continue;
		if (sim->frames[m].flags & FRAME_XEN) {
			/* A frame it had given to Xen goes back to the heap. */
			sim->frames[m].flags = FRAME_FREE;
			sim->frames[m].owner = XPI_DOMID_INVALID;
			sim->frames[m].refs = 0;
			sim->st.free_frames++;
		} else {
			sim_frame_release(sim, m);
		}
	}
	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++)
		if (sim->dom[i] && sim->dom[i]->dm_target == domid)
			sim->dom[i]->dm_target = XPI_DOMID_INVALID;
	sim->dom[domid] = NULL;
	domain_free(d);
	SIM_UNLOCK(sim);
	return 0;
}

XPI_EXPORT int xpi_sim_rmrr_add(struct xpi_sim *sim, uint16_t domid,
				uint64_t bfn, uint64_t nr)
{
	struct sim_domain *d;
	uint64_t limit;
	int rc = 0;

	if (!sim)
		return -EINVAL;
	limit = UINT64_C(1) << sim->cfg.bfn_width;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d)
		rc = -ESRCH;
	else if (nr == 0 || bfn >= limit || limit - bfn < nr)
		rc = -EINVAL;
	else if (d->nrmrr == SIM_MAX_RMRR)
		rc = -ENOSPC;
	else
		d->rmrr[d->nrmrr++] = (struct sim_rmrr){ .bfn = bfn, .nr = nr };
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_p2m_lookup(struct xpi_sim *sim, uint16_t domid,
				  uint64_t gfn, uint64_t *mfn)
{
	struct sim_domain *d;
	int rc = 0;

	if (!sim || !mfn)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d)
		rc = -ESRCH;
	else if (gfn >= d->p2m_size || d->p2m[gfn] == SIM_NO_MFN)
		rc = -ENOENT;
	else
		*mfn = d->p2m[gfn];
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_frame_info(struct xpi_sim *sim, uint64_t mfn,
				  struct xpi_sim_frame_info *info)
{
	const struct sim_frame *f;
	uint32_t n = 0;

	if (!sim || !info)
		return -EINVAL;
	if (mfn >= sim->nframes)
		return -EINVAL;
	SIM_LOCK(sim);
	f = &sim->frames[mfn];
	if (f->m2b) {
		uint32_t head = f->m2b - 1, i = head;

		do {
			n++;
			i = sim->m2b.e[i].next;
		} while (i != head);
	}
	info->refs = f->refs;
	info->writable_refs = f->wrefs;
	info->owner = f->owner;
	info->free = (f->flags & FRAME_FREE) != 0;
	info->xen = (f->flags & FRAME_XEN) != 0;
	info->pinned = (f->flags & FRAME_PINNED) != 0;
	info->m2b_entries = n;
	SIM_UNLOCK(sim);
	return 0;
}

XPI_EXPORT uint64_t xpi_sim_scratch_mfn(const struct xpi_sim *sim)
{
	/* Fixed at creation: no lock needed. */
	return sim ? sim->scratch : UINT64_MAX;
}

XPI_EXPORT int xpi_sim_iommu_lookup(struct xpi_sim *sim, uint16_t domid,
				    uint64_t bfn, uint64_t *mfn,
				    unsigned int *flags)
{
	struct xpi_radix_extent ext;
	struct sim_domain *d;
	int rc = 0;

	if (!sim || !mfn)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d) {
		rc = -ESRCH;
	} else if (!sim->cfg.iommu_present ||
		   (domid == XPI_SIM_HWDOM && sim->cfg.dom0_passthrough)) {
		rc = -ENODEV;
	} else if (!xpi_radix_find(&d->iommu, bfn, &ext)) {
		*mfn = (ext.value & IOV_MFN_MASK) + (bfn - ext.base);
		if (flags)
			*flags = pv_iommu_flags_set_order(
				(uint16_t)(((ext.value & IOV_R)
						    ? IOMMU_OP_readable
						    : 0) |
					   ((ext.value & IOV_W)
						    ? IOMMU_OP_writeable
						    : 0)),
				ext.order);
	} else if (sim_one_to_one(sim, domid, bfn)) {
		*mfn = bfn;
		if (flags)
			*flags = IOMMU_OP_readable | IOMMU_OP_writeable;
	} else if (sim_xs_offset_region(sim, domid, bfn, mfn)) {
		if (flags)
			*flags = IOMMU_OP_readable | IOMMU_OP_writeable;
	} else {
		rc = -ENOENT;
	}
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT uint64_t xpi_sim_iommu_extents(struct xpi_sim *sim, uint16_t domid)
{
	struct sim_domain *d;
	uint64_t n = 0;

	if (!sim)
		return 0;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (d)
		n = d->iommu.extents;
	SIM_UNLOCK(sim);
	return n;
}

XPI_EXPORT int xpi_sim_inject_iommu_faults(struct xpi_sim *sim, unsigned int n)
{
	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	sim->faults = n;
	SIM_UNLOCK(sim);
	return 0;
}

XPI_EXPORT int xpi_sim_stats(struct xpi_sim *sim, struct xpi_sim_stats *stats)
{
	if (!sim || !stats)
		return -EINVAL;
	SIM_LOCK(sim);
	*stats = sim->st;
	stats->m2b_entries = sim->m2b.live;
	SIM_UNLOCK(sim);
	return 0;
}

XPI_EXPORT size_t xpi_sim_memory_bytes(const struct xpi_sim *sim)
{
	struct xpi_sim *s = (struct xpi_sim *)sim;
	size_t n;

	if (!s)
		return 0;
	SIM_LOCK(s);
	n = sizeof(*s) + s->nframes * sizeof(*s->frames) +
	    sim_m2b_bytes(&s->m2b) + (size_t)s->nhandles * sizeof(*s->handles);
	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++) {
		const struct sim_domain *d = s->dom[i];

		if (!d)
			continue;
		n += sizeof(*d) + d->p2m_size * sizeof(*d->p2m) +
		     xpi_radix_bytes(&d->iommu) +
		     d->ngrants * sizeof(*d->grants);
		for (unsigned int j = 0; j < SIM_MAX_IOSERVERS; j++)
			if (d->ios[j])
				n += sim_ioserver_bytes(s, d->ios[j]);
	}
	SIM_UNLOCK(s);
	return n;
}
