#include "daemon/attribution/mountinfo.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Mountinfo, ReadsDeviceMountPointAndTypePastOptionalFields) {
    const auto mounts = parse_mountinfo(
        "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
        "40 22 0:35 / /mnt/my\\040disk rw master:2 shared:7 - vfat /dev/sdb1 rw\n");
    ASSERT_EQ(mounts.size(), 3U);
    EXPECT_EQ(mounts[0], (MountEntry{"252:1", "/", "ext4"}));
    EXPECT_EQ(mounts[1], (MountEntry{"0:21", "/proc", "proc"}));
    EXPECT_EQ(mounts[2], (MountEntry{"0:35", "/mnt/my disk", "vfat"}));
}

TEST(Mountinfo, MalformedLinesAreSkipped) {
    EXPECT_TRUE(parse_mountinfo("22 1 252:1 / /\nno separator here at all x y\n").empty());
    EXPECT_TRUE(parse_mountinfo("1 2 3 4 5 6 -\n").empty());
}

TEST(Mountinfo, PseudoFilesystemsHoldNoPrograms) {
    EXPECT_FALSE(may_hold_programs("proc"));
    EXPECT_FALSE(may_hold_programs("cgroup2"));
    EXPECT_TRUE(may_hold_programs("ext4"));
    EXPECT_TRUE(may_hold_programs("tmpfs"));
    EXPECT_TRUE(may_hold_programs("overlay"));
}

}  // namespace
}  // namespace sluice
