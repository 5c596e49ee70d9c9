// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi_deprivilege(): bad input is refused; as root, in a child process,
 * the ids really change to a uid with no passwd entry and cannot be
 * regained, a descriptor that refuses its restriction stops the drop, and
 * a node the new uid can still open is reported.  The restriction of the
 * real shim and privcmd descriptors is checked on the real kernel by
 * tests/real-xen/dom0-test.c.  Device nodes here are /dev/full's (1:7),
 * made with mknod in a private directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenpviommu/deprivilege.h>

#include "test-common.h"

#define UID 54321u /* no passwd entry */
#define GID 54322u

static char dir[64];
static char node[96], missing[96];

static void setup(void)
{
	strcpy(dir, "/tmp/xpi-depriv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* searchable by the new uid: only the node's own mode decides */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(node, sizeof(node), "%s/node", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);
}

static void teardown(void)
{
	unlink(node);
	rmdir(dir);
}

static void opts(struct xpi_deprivilege *d)
{
	xpi_deprivilege_init(d);
	d->domid = 3;
	d->uid = UID;
	d->gid = GID;
	d->shim_path = missing;
	d->privcmd_path = missing;
}

START_TEST(bad_input_is_einval)
{
	struct xpi_deprivilege d;
	uid_t euid = geteuid();

	ck_assert_int_eq(xpi_deprivilege(NULL), -EINVAL);
	opts(&d);
	d.size = sizeof(d) - 1;
	ck_assert_int_eq(xpi_deprivilege(&d), -EINVAL);
	opts(&d);
	d.domid = 0x7FF0;
	ck_assert_int_eq(xpi_deprivilege(&d), -EINVAL);
	opts(&d);
	d.uid = 0;
	ck_assert_int_eq(xpi_deprivilege(&d), -EINVAL);
	opts(&d);
	d.gid = 0;
	ck_assert_int_eq(xpi_deprivilege(&d), -EINVAL);
	/* init leaves what must be chosen invalid */
	xpi_deprivilege_init(&d);
	ck_assert_uint_eq(d.size, sizeof(d));
	ck_assert_int_eq(xpi_deprivilege(&d), -EINVAL);
	/* none of them changed the ids */
	ck_assert_uint_eq(geteuid(), euid);
}
END_TEST

/* Run fn in a child; returns its exit status (0 on success). */
static int in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int child_drops(void)
{
	struct xpi_deprivilege d;
	uid_t r, e, s;
	gid_t rg, eg, sg;

	opts(&d);
	if (xpi_deprivilege(&d) != 0)
		return 1;
	if (getresuid(&r, &e, &s) || r != UID || e != UID || s != UID)
		return 2;
	if (getresgid(&rg, &eg, &sg) || rg != GID || eg != GID || sg != GID)
		return 3;
	if (getgroups(0, NULL) != 0)
		return 4;
	if (setuid(0) == 0 || errno != EPERM)
		return 5;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	return 0;
}

START_TEST(root_becomes_a_numeric_uid_for_good)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root\n");
		return;
	}
	ck_assert_ptr_null(getpwuid(UID)); /* a uid with no entry */
	ck_assert_int_eq(in_child(child_drops), 0);
}
END_TEST

static int as_privcmd;

static int child_refused_restriction(void)
{
	struct xpi_deprivilege d;
	int fd = open(node, O_RDWR);
	int expect = as_privcmd && !HAVE_XEN ? -EOPNOTSUPP : -ENOTTY;

	if (fd < 0)
		return 10;
	opts(&d);
	if (as_privcmd)
		d.privcmd_path = node;
	else
		d.shim_path = node;
	/* /dev/full has no RESTRICT ioctl: the drop does not happen */
	if (xpi_deprivilege(&d) != expect)
		return 1;
	if (geteuid() != 0)
		return 2;
	return 0;
}

START_TEST(descriptor_that_refuses_stops_the_drop)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root\n");
		return;
	}
	ck_assert_int_eq(mknod(node, S_IFCHR | 0600, makedev(1, 7)), 0);
	as_privcmd = 0;
	ck_assert_int_eq(in_child(child_refused_restriction), 0);
	/* and as privcmd */
	as_privcmd = 1;
	ck_assert_int_eq(in_child(child_refused_restriction), 0);
}
END_TEST

static int expect_rc;

static int child_node_check(void)
{
	struct xpi_deprivilege d;

	opts(&d);
	d.privcmd_path = node; /* not open, so nothing to restrict */
	return xpi_deprivilege(&d) == expect_rc ? 0 : 1;
}

START_TEST(node_the_new_uid_can_open_is_reported)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root\n");
		return;
	}
	ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 7)), 0);
	ck_assert_int_eq(chmod(node, 0666), 0);
	expect_rc = -EPERM;
	ck_assert_int_eq(in_child(child_node_check), 0);
	/* the same node at 0600 root: confined, so the drop succeeds */
	ck_assert_int_eq(chmod(node, 0600), 0);
	expect_rc = 0;
	ck_assert_int_eq(in_child(child_node_check), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("deprivilege");
	TCase *tc = tcase_create("deprivilege");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_input_is_einval);
	tcase_add_test(tc, root_becomes_a_numeric_uid_for_good);
	tcase_add_test(tc, descriptor_that_refuses_stops_the_drop);
	tcase_add_test(tc, node_the_new_uid_can_open_is_reported);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
