// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi_deprivilege(): restrict every Xen device descriptor of the process,
 * then become an unprivileged uid (include/xenpviommu/deprivilege.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if HAVE_XEN
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>
#endif

#include <xenpviommu/abi.h>
#include <xenpviommu/deprivilege.h>
#include <xenpviommu/shim.h>

#include "private.h"

#define PRIVCMD_NODE "/dev/xen/privcmd"

XPI_EXPORT void xpi_deprivilege_init(struct xpi_deprivilege *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->domid = XPI_DOMID_INVALID;
}

/* The device number of a node; 0 if there is none. */
static dev_t node_rdev(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return 0;
	return st.st_rdev;
}

static int restrict_shim(int fd, uint16_t domid)
{
	struct xpi_shim_restrict r;

	memset(&r, 0, sizeof(r));
	r.argsz = sizeof(r);
	r.domid = domid;
	return ioctl(fd, XPI_SHIM_IOCTL_RESTRICT, &r) ? -errno : 0;
}

static int restrict_privcmd(int fd, uint16_t domid)
{
#if HAVE_XEN
	domid_t dom = domid;

	return ioctl(fd, IOCTL_PRIVCMD_RESTRICT, &dom) ? -errno : 0;
#else
	(void)fd;
	(void)domid;
	return -EOPNOTSUPP;
#endif
}

/*
 * Step 1: restrict every descriptor on either node.  Returns how many, or
 * a negative errno; *probe is one of them (-1 if none), for step 3.
 */
static int restrict_all(struct xentoollog_logger *lg,
			const struct xpi_deprivilege *d, const char *shim,
			const char *privcmd, int *probe)
{
	dev_t shim_dev = node_rdev(shim), privcmd_dev = node_rdev(privcmd);
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, rc = 0;

	*probe = -1;
	if (!dir) {
		rc = -errno;
		xpi_logf(lg, XTL_ERROR, -rc,
			 "deprivilege: cannot list /proc/self/fd");
		return rc;
	}
	while ((e = readdir(dir))) {
		struct stat st;
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(dir))
			continue;
		if (fstat((int)fd, &st) || !S_ISCHR(st.st_mode))
			continue;
		if (shim_dev && st.st_rdev == shim_dev)
			rc = restrict_shim((int)fd, d->domid);
		else if (privcmd_dev && st.st_rdev == privcmd_dev)
			rc = restrict_privcmd((int)fd, d->domid);
		else
			continue;
		if (rc) {
			xpi_logf(
				lg, XTL_ERROR, -rc,
				"deprivilege: descriptor %ld (%s) refused its restriction to domid %u",
				fd, st.st_rdev == shim_dev ? shim : privcmd,
				d->domid);
			break;
		}
		if (*probe < 0)
			*probe = (int)fd;
		n++;
	}
	closedir(dir);
	return rc ? rc : n;
}

/* Step 2: groups, then gid, then uid; then no new privileges. */
static int drop_ids(struct xentoollog_logger *lg,
		    const struct xpi_deprivilege *d)
{
	if (setgroups(0, NULL) || setresgid(d->gid, d->gid, d->gid) ||
	    setresuid(d->uid, d->uid, d->uid)) {
		int err = errno;

		xpi_logf(lg, XTL_ERROR, err,
			 "deprivilege: cannot become uid %u gid %u", d->uid,
			 d->gid);
		return -err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		int err = errno;

		xpi_logf(lg, XTL_ERROR, err, "deprivilege: no_new_privs");
		return -err;
	}
	return 0;
}

/* 1 (and logged) if path can be opened read-write. */
static int still_opens(struct xentoollog_logger *lg, const char *path,
		       const char *what)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	xpi_logf(
		lg, XTL_ERROR, -1,
		"deprivilege: %s can still be opened after the drop: the emulator is not confined (check the node's mode and owner)",
		what);
	return 1;
}

/* Step 3: what the drop must have taken away. */
static int verify(struct xentoollog_logger *lg, const char *shim,
		  const char *privcmd, int probe)
{
	char self[64];
	uid_t r, e, s;

	if (setresuid(0, 0, 0) == 0 || getresuid(&r, &e, &s) || r == 0 ||
	    e == 0 || s == 0) {
		xpi_logf(lg, XTL_ERROR, -1,
			 "deprivilege: uid 0 can be regained");
		return -EPERM;
	}
	if (still_opens(lg, shim, shim) || still_opens(lg, privcmd, privcmd))
		return -EPERM;
	if (probe >= 0) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", probe);
		if (still_opens(lg, self,
				"a restricted descriptor's /proc/self/fd link"))
			return -EPERM;
	}
	return 0;
}

XPI_EXPORT int xpi_deprivilege(const struct xpi_deprivilege *d)
{
	struct xentoollog_logger *lg, *own = NULL;
	const char *shim, *privcmd;
	int n, rc, probe;

	lg = d && d->size >= sizeof(*d) ? d->logger : NULL;
	if (!lg)
		lg = own = xpi_stderr_logger_new();
	if (!d || d->size < sizeof(*d)) {
		xpi_logf(lg, XTL_ERROR, -1,
			 "deprivilege: no options, or their size is too small");
		rc = -EINVAL;
		goto out;
	}
	if (d->domid >= XPI_DOMID_FIRST_RESERVED || d->uid == 0 ||
	    d->gid == 0) {
		xpi_logf(
			lg, XTL_ERROR, -1,
			"deprivilege: domid %u, uid %u, gid %u: the domid must be a guest's, uid and gid not 0",
			d->domid, d->uid, d->gid);
		rc = -EINVAL;
		goto out;
	}
	shim = d->shim_path ? d->shim_path : XPI_SHIM_DEVICE;
	privcmd = d->privcmd_path ? d->privcmd_path : PRIVCMD_NODE;
	n = restrict_all(lg, d, shim, privcmd, &probe);
	if (n < 0) {
		rc = n;
		goto out;
	}
	rc = drop_ids(lg, d);
	if (!rc)
		rc = verify(lg, shim, privcmd, probe);
	if (!rc)
		rc = n;
out:
	if (own)
		xpi_logger_destroy(own);
	return rc;
}
