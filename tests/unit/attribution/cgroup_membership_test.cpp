#include "daemon/attribution/cgroup_membership.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(CgroupMembership, SystemServiceOnTheUnifiedHierarchy) {
    const auto membership = parse_cgroup_membership("0::/system.slice/ssh.service\n");
    EXPECT_EQ(membership.path, "/system.slice/ssh.service");
    EXPECT_EQ(membership.unit, "ssh.service");
    EXPECT_EQ(membership.container, "");
}

TEST(CgroupMembership, InnermostUnitOfAUserSessionApp) {
    const auto membership = parse_cgroup_membership(
        "0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
        "app-firefox-1234.scope\n");
    EXPECT_EQ(membership.unit, "app-firefox-1234.scope");
}

TEST(CgroupMembership, HybridHostTakesTheSystemdLineWhenUnifiedIsRoot) {
    const auto membership = parse_cgroup_membership(
        "12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n0::/\n");
    EXPECT_EQ(membership.path, "/system.slice/cron.service");
    EXPECT_EQ(membership.unit, "cron.service");
}

TEST(CgroupMembership, ContainerRuntimesAreRecognised) {
    const std::string id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    EXPECT_EQ(parse_cgroup_membership("0::/system.slice/docker-" + id + ".scope\n").container,
              "docker:0123456789ab");
    EXPECT_EQ(parse_cgroup_membership("0::/docker/" + id + "\n").container, "docker:0123456789ab");
    EXPECT_EQ(
        parse_cgroup_membership("0::/machine.slice/libpod-" + id + ".scope/container\n").container,
        "podman:0123456789ab");
    EXPECT_EQ(parse_cgroup_membership("0::/kubepods.slice/kubepods-pod1.slice/"
                                      "cri-containerd-" +
                                      id + ".scope\n")
                  .container,
              "containerd:0123456789ab");
    EXPECT_EQ(parse_cgroup_membership("0::/lxc.payload.web/init.scope\n").container, "lxc:web");
    EXPECT_EQ(parse_cgroup_membership("0::/machine.slice/machine-debian.scope\n").container,
              "nspawn:debian");
}

TEST(CgroupMembership, RootOrGarbageGivesNoUnit) {
    EXPECT_EQ(parse_cgroup_membership("0::/\n"), (CgroupMembership{"/", "", ""}));
    EXPECT_EQ(parse_cgroup_membership("garbage"), (CgroupMembership{}));
    EXPECT_EQ(parse_cgroup_membership(""), (CgroupMembership{}));
}

}  // namespace
}  // namespace sluice
