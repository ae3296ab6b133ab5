#include "daemon/attribution/process_lookup.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "tests/unit/attribution/fake_proc.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

TEST(ReadProcess, ReadsThisProcess) {
    const auto info = read_process(::getpid());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->pid, static_cast<std::uint32_t>(::getpid()));
    EXPECT_EQ(info->ppid, static_cast<std::uint32_t>(::getppid()));
    EXPECT_GT(info->start_time, 0U);
    EXPECT_EQ(info->exe, fs::read_symlink("/proc/self/exe").string());
    EXPECT_EQ(info->uid, ::geteuid());
    EXPECT_EQ(info->gid, ::getegid());
    ASSERT_FALSE(info->cmdline.empty());
    EXPECT_EQ(fs::path(info->cmdline[0]).filename(), fs::path(info->exe).filename());
}

TEST(ReadProcess, ReadsEveryFileOfAFakeProcess) {
    test::FakeProc proc;
    test::FakeProcess process;
    process.ppid = 7;
    process.start_time = 123456;
    process.uid = 1001;
    process.gid = 101;
    process.exe = "/usr/bin/upgraded (deleted)";
    process.cmdline = std::string("upgraded\0--flag\0with space\0", 27);
    process.cgroup = "0::/system.slice/upgraded.service\n";
    proc.add_process(42, process);

    const auto info = read_process(42, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->pid, 42U);
    EXPECT_EQ(info->ppid, 7U);
    EXPECT_EQ(info->start_time, 123456U);
    EXPECT_EQ(info->exe, "/usr/bin/upgraded");
    EXPECT_EQ(info->cmdline, (std::vector<std::string>{"upgraded", "--flag", "with space"}));
    EXPECT_EQ(info->uid, 1001U);
    EXPECT_EQ(info->gid, 101U);
    EXPECT_EQ(info->cgroup.path, "/system.slice/upgraded.service");
    EXPECT_EQ(info->cgroup.unit, "upgraded.service");
}

TEST(ReadProcess, KernelThreadHasNoExeOrCmdline) {
    test::FakeProc proc;
    test::FakeProcess kthread;
    kthread.cmdline = "";
    proc.add_process(2, kthread);

    const auto info = read_process(2, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->exe, "");
    EXPECT_TRUE(info->cmdline.empty());
}

TEST(ReadProcess, CmdlineRewrittenWithoutNulIsOneArgument) {
    test::FakeProc proc;
    test::FakeProcess nginx;
    nginx.cmdline = "nginx: worker process";
    proc.add_process(7, nginx);

    const auto info = read_process(7, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->cmdline, (std::vector<std::string>{"nginx: worker process"}));
}

TEST(ReadProcess, GoneOrMalformedProcessIsNullopt) {
    test::FakeProc proc;
    proc.add_process(8, {});
    proc.write(8, "status", "Name:\tbroken\nUid:\t0\n");
    proc.add_process(10, {});
    proc.write(10, "stat", "10 (no fields)");

    EXPECT_EQ(read_process(9, proc.root()), std::nullopt);   // no such pid
    EXPECT_EQ(read_process(8, proc.root()), std::nullopt);   // no effective uid, no Gid line
    EXPECT_EQ(read_process(10, proc.root()), std::nullopt);  // stat cut short
}

TEST(ReadProcessStat, ReadsParentFlagsAndStartTime) {
    test::FakeProc proc;
    test::FakeProcess exiting;
    exiting.ppid = 5;
    exiting.start_time = 99;
    exiting.flags = kTaskFlagExiting;
    proc.add_process(6, exiting);
    const Fd root(::open(proc.root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));

    const auto stat = read_process_stat(root.get(), 6);
    ASSERT_TRUE(stat.has_value());
    EXPECT_EQ(stat->ppid, 5U);
    EXPECT_EQ(stat->start_time, 99U);
    EXPECT_EQ(stat->flags & kTaskFlagExiting, kTaskFlagExiting);
    EXPECT_EQ(read_process_stat(root.get(), 60), std::nullopt);
}

TEST(ListProcessIds, ListsOnlyNumericEntries) {
    test::FakeProc proc;
    proc.add_process(30, {});
    proc.add_process(4, {});
    const Fd root(::open(proc.root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));

    auto pids = list_process_ids(root.get());
    std::sort(pids.begin(), pids.end());
    EXPECT_EQ(pids, (std::vector<std::uint32_t>{4, 30}));
}

}  // namespace
}  // namespace sluice
