/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file
 * The IOREQ invalidate listener (included by xenpviommu.h).
 */
#ifndef XENPVIOMMU_LISTENER_H
#define XENPVIOMMU_LISTENER_H

#endif /* XENPVIOMMU_LISTENER_H */
