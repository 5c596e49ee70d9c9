// SPDX-License-Identifier: GPL-2.0-only
/*
 * privcmd-iommu: the PV IOMMU shim beside privcmd.
 *
 * A deprivileged device emulator holds a privcmd descriptor restricted to
 * its guest, and restricted privcmd refuses the generic hypercall ioctl.
 * This misc device gives such an emulator do_iommu_op (Xen PV IOMMU,
 * draft B) with the checks that make it safe: a descriptor restricted to
 * a domid may only name that domid, only use BFNs from the windows it
 * reserved here (unique across every open descriptor), only name the
 * ioreq servers no other restricted descriptor uses, only unmap what it
 * mapped, and hold no more windows and mappings than its quotas; whatever
 * it still has mapped is unmapped when it closes.  Xen's lookup entries,
 * shared by all of dom0, are counted across descriptors.
 *
 * The ioctl ABI is include/xenpviommu/shim.h; the policy is policy.c,
 * shared with a user-space test.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <asm/xen/hypercall.h>

#include "policy.h"

static unsigned int hypercall = PV_IOMMU_HYPERCALL_DEFAULT;
module_param(hypercall, uint, 0444);
MODULE_PARM_DESC(hypercall, "Hypercall number of do_iommu_op");

static unsigned long long bfn_base = 1ULL << 32;
module_param(bfn_base, ullong, 0444);
MODULE_PARM_DESC(bfn_base,
		 "First BFN of the windows (above dom0's 1:1 region)");

static unsigned long long bfn_limit = 1ULL << 36;
module_param(bfn_limit, ullong, 0444);
MODULE_PARM_DESC(bfn_limit, "One past the last BFN of the windows");

static unsigned int max_windows = XPI_SHIM_DEFAULT_MAX_WINDOWS;
module_param(max_windows, uint, 0444);
MODULE_PARM_DESC(max_windows, "Windows a restricted descriptor may hold");

static unsigned long long max_window_frames =
	XPI_SHIM_DEFAULT_MAX_WINDOW_FRAMES;
module_param(max_window_frames, ullong, 0444);
MODULE_PARM_DESC(max_window_frames,
		 "BFNs a restricted descriptor's windows may hold together");

static unsigned long long max_records = XPI_SHIM_DEFAULT_MAX_RECORDS;
module_param(max_records, ullong, 0444);
MODULE_PARM_DESC(max_records,
		 "Live mappings a restricted descriptor may hold");

static struct xpi_pol_space space;

struct shim_file {
	struct mutex lock; /* ctx and buf */
	struct xpi_pol_ctx ctx;
	struct pv_iommu_op buf[XPI_POL_CHUNK];
};

static long iommu_op(void *unused, struct pv_iommu_op *ops,
		     unsigned int count)
{
	long rc;

	xen_preemptible_hcall_begin();
	rc = privcmd_call(hypercall, (unsigned long)ops, count, 0, 0, 0);
	xen_preemptible_hcall_end();
	return rc;
}

static long ioctl_op(struct shim_file *f, void __user *uarg)
{
	struct xpi_shim_op arg = { 0 };
	struct pv_iommu_op __user *uops;
	u32 argsz, done = 0;
	unsigned int processed;
	long rc = 0;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.count == 0 || arg.count > XPI_SHIM_MAX_OPS)
		return -EINVAL;
	uops = u64_to_user_ptr(arg.ops);

	mutex_lock(&f->lock);
	while (done < arg.count) {
		unsigned int n = min_t(u32, arg.count - done, XPI_POL_CHUNK);

		if (copy_from_user(f->buf, uops + done, n * sizeof(*f->buf))) {
			rc = -EFAULT;
			break;
		}
		rc = xpi_pol_run(&f->ctx, f->buf, n, &processed);
		/* also on an error: the processed ops have their results */
		if (copy_to_user(uops + done, f->buf, n * sizeof(*f->buf))) {
			rc = -EFAULT;
			break;
		}
		if (rc) {
			done += processed;
			break;
		}
		done += n;
		if (done < arg.count && signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		cond_resched();
	}
	mutex_unlock(&f->lock);

	if (put_user(done, &((struct xpi_shim_op __user *)uarg)->done))
		return -EFAULT;
	return rc;
}

static long ioctl_restrict(struct shim_file *f, void __user *uarg)
{
	struct xpi_shim_restrict arg;
	long rc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.argsz < sizeof(arg) || arg.flags || arg.pad[0] ||
	    arg.pad[1] || arg.pad[2])
		return -EINVAL;
	mutex_lock(&f->lock);
	rc = xpi_pol_restrict(&f->ctx, arg.domid);
	mutex_unlock(&f->lock);
	return rc;
}

static long ioctl_window(struct shim_file *f, void __user *uarg)
{
	struct xpi_shim_window arg;
	u64 first;
	long rc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.argsz < sizeof(arg) || arg.flags)
		return -EINVAL;
	mutex_lock(&f->lock);
	rc = xpi_pol_window_alloc(&f->ctx, arg.nr_frames, &first);
	mutex_unlock(&f->lock);
	if (rc)
		return rc;
	arg.first_bfn = first;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long ioctl_info(struct shim_file *f, void __user *uarg)
{
	struct xpi_shim_info arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.argsz < sizeof(arg) || arg.flags)
		return -EINVAL;
	arg.version = XPI_SHIM_VERSION;
	arg.hypercall = hypercall;
	arg.max_ops = XPI_SHIM_MAX_OPS;
	arg.restricted = f->ctx.restricted;
	arg.pad = 0;
	arg.bfn_base = bfn_base;
	arg.bfn_limit = bfn_limit;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long shim_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct shim_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XPI_SHIM_IOCTL_OP:
		return ioctl_op(f, uarg);
	case XPI_SHIM_IOCTL_RESTRICT:
		return ioctl_restrict(f, uarg);
	case XPI_SHIM_IOCTL_WINDOW:
		return ioctl_window(f, uarg);
	case XPI_SHIM_IOCTL_INFO:
		return ioctl_info(f, uarg);
	default:
		return -ENOTTY;
	}
}

static int shim_open(struct inode *inode, struct file *file)
{
	struct shim_file *f = kvzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xpi_pol_ctx_init(&f->ctx, &space);
	file->private_data = f;
	return 0;
}

/*
 * Close, also when the emulator was killed: unmap what it still has
 * mapped, so that no page reference leaks, then give back its windows.
 */
static int shim_release(struct inode *inode, struct file *file)
{
	struct shim_file *f = file->private_data;
	size_t failed = xpi_pol_release(&f->ctx);

	if (failed)
		pr_warn("privcmd-iommu: %zu mappings could not be unmapped at close\n",
			failed);
	xpi_pol_ctx_destroy(&f->ctx);
	kvfree(f);
	return 0;
}

static const struct file_operations shim_fops = {
	.owner = THIS_MODULE,
	.open = shim_open,
	.release = shim_release,
	.unlocked_ioctl = shim_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice shim_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = XPI_SHIM_NAME,
	.nodename = "xen/" XPI_SHIM_NAME,
	.fops = &shim_fops,
};

static int __init shim_init(void)
{
	struct xpi_pol_limits lim = {
		.windows = max_windows,
		.window_frames = max_window_frames,
		.records = max_records,
	};
	long max_ram;
	int rc;

	if (!xen_domain())
		return -ENODEV;
	if (bfn_base >= bfn_limit) {
		pr_err("privcmd-iommu: bfn_base must lie below bfn_limit\n");
		return -EINVAL;
	}
	/*
	 * Lookup results are machine frames (BFN = MFN): no window may
	 * reach down to RAM, or a lookup could alias a window's BFN.
	 */
	max_ram = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	if (max_ram < 0) {
		pr_err("privcmd-iommu: cannot read the highest RAM frame: %ld\n",
		       max_ram);
		return (int)max_ram;
	}
	if (bfn_base <= (unsigned long long)max_ram) {
		pr_err("privcmd-iommu: bfn_base %llx must lie above the highest RAM frame %lx\n",
		       bfn_base, max_ram);
		return -EINVAL;
	}
	xpi_pol_space_init(&space, bfn_base, bfn_limit, &lim, iommu_op, NULL);
	rc = misc_register(&shim_dev);
	if (rc)
		xpi_pol_space_destroy(&space);
	return rc;
}

static void __exit shim_exit(void)
{
	misc_deregister(&shim_dev);
	xpi_pol_space_destroy(&space);
}

module_init(shim_init);
module_exit(shim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen PV IOMMU (do_iommu_op) shim for device emulators");
