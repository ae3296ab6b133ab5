#include "daemon/attribution/process_lookup.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/attribution/loopback_sockets.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kGenerousBudget = std::chrono::microseconds(5s);

// A throwaway directory shaped like /proc: PID/{fd/N -> link, exe -> link, status, cmdline}.
class FakeProc {
  public:
    FakeProc() {
        std::string pattern = (fs::temp_directory_path() / "sluice-fake-proc-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        root_ = pattern;
        // Entries a real /proc has that are not processes.
        fs::create_directory(root_ / "net");
        fs::create_directory_symlink("1", root_ / "self");
    }
    ~FakeProc() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    FakeProc(const FakeProc&) = delete;
    FakeProc& operator=(const FakeProc&) = delete;
    FakeProc(FakeProc&&) = delete;
    FakeProc& operator=(FakeProc&&) = delete;

    [[nodiscard]] std::string root() const { return root_.string(); }

    void add_process(std::uint32_t pid) {
        fs::create_directories(root_ / std::to_string(pid) / "fd");
    }
    void add_fd(std::uint32_t pid, int fd, const std::string& target) {
        fs::create_symlink(target, root_ / std::to_string(pid) / "fd" / std::to_string(fd));
    }
    void own(std::uint32_t pid, uid_t uid) {
        if (::chown((root_ / std::to_string(pid)).c_str(), uid, uid) != 0) {
            throw std::runtime_error("chown failed");
        }
    }
    void write(std::uint32_t pid, const std::string& name, const std::string& content) {
        std::ofstream(root_ / std::to_string(pid) / name, std::ios::binary) << content;
    }

  private:
    fs::path root_;
};

TEST(FindPidBySocketInode, FindsThisProcessForItsOwnSocket) {
    const Fd socket = test::make_socket(AF_INET, SOCK_DGRAM);
    const std::uint64_t inode = test::inode_from_proc_self(socket);

    EXPECT_EQ(find_pid_by_socket_inode(inode, ::geteuid(), kGenerousBudget), ::getpid());
    EXPECT_EQ(find_pid_by_socket_inode(inode, std::nullopt, kGenerousBudget), ::getpid());
}

TEST(FindPidBySocketInode, ScansProcessesOfTheHintedUidFirst) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to chown the fake /proc entries";
    }
    // A forked child shares its parent's socket: both hold it, the hint decides who is found.
    FakeProc proc;
    for (const std::uint32_t pid : {100U, 200U}) {
        proc.add_process(pid);
        proc.add_fd(pid, 0, "/dev/null");
        proc.add_fd(pid, 3, "socket:[4242]");
    }
    proc.own(100, 0);
    proc.own(200, 1000);

    EXPECT_EQ(find_pid_by_socket_inode(4242, 1000, kGenerousBudget, proc.root()), 200U);
    EXPECT_EQ(find_pid_by_socket_inode(4242, 0, kGenerousBudget, proc.root()), 100U);
}

TEST(FindPidBySocketInode, MatchesTheWholeLinkNotAPrefix) {
    FakeProc proc;
    proc.add_process(300);
    proc.add_fd(300, 4, "socket:[42420]");
    proc.add_process(301);
    proc.add_fd(301, 5, "pipe:[4242]");
    proc.add_fd(301, 6, "socket:[4242]");

    EXPECT_EQ(find_pid_by_socket_inode(4242, std::nullopt, kGenerousBudget, proc.root()), 301U);
    EXPECT_EQ(find_pid_by_socket_inode(424, std::nullopt, kGenerousBudget, proc.root()),
              std::nullopt);
}

TEST(FindPidBySocketInode, GivesUpWhenTheBudgetIsSpent) {
    FakeProc proc;
    proc.add_process(300);
    proc.add_fd(300, 3, "socket:[4242]");

    EXPECT_EQ(find_pid_by_socket_inode(4242, std::nullopt, 0us, proc.root()), std::nullopt);
}

TEST(FindPidBySocketInode, MissingProcRootFindsNothing) {
    EXPECT_EQ(find_pid_by_socket_inode(4242, std::nullopt, kGenerousBudget, "/nonexistent"),
              std::nullopt);
}

TEST(ReadProcess, ReadsThisProcess) {
    const auto info = read_process(::getpid());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->pid, static_cast<std::uint32_t>(::getpid()));
    EXPECT_EQ(info->exe, fs::read_symlink("/proc/self/exe").string());
    EXPECT_EQ(info->uid, ::geteuid());
    EXPECT_EQ(info->gid, ::getegid());
    ASSERT_FALSE(info->cmdline.empty());
    EXPECT_EQ(fs::path(info->cmdline[0]).filename(), fs::path(info->exe).filename());
}

TEST(ReadProcess, StripsDeletedSuffixAndSplitsCmdline) {
    FakeProc proc;
    proc.add_process(42);
    fs::create_symlink("/usr/bin/upgraded (deleted)", fs::path(proc.root()) / "42" / "exe");
    proc.write(42, "status",
               "Name:\tupgraded\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\n");
    proc.write(42, "cmdline", std::string("upgraded\0--flag\0with space\0", 27));

    const auto info = read_process(42, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->pid, 42U);
    EXPECT_EQ(info->exe, "/usr/bin/upgraded");
    EXPECT_EQ(info->cmdline, (std::vector<std::string>{"upgraded", "--flag", "with space"}));
    EXPECT_EQ(info->uid, 1001U);
    EXPECT_EQ(info->gid, 101U);
}

TEST(ReadProcess, KernelThreadHasNoExeOrCmdline) {
    FakeProc proc;
    proc.add_process(2);
    proc.write(2, "status", "Name:\tkthreadd\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
    proc.write(2, "cmdline", "");

    const auto info = read_process(2, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->exe, "");
    EXPECT_TRUE(info->cmdline.empty());
}

TEST(ReadProcess, CmdlineRewrittenWithoutNulIsOneArgument) {
    FakeProc proc;
    proc.add_process(7);
    proc.write(7, "status", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
    proc.write(7, "cmdline", "nginx: worker process");

    const auto info = read_process(7, proc.root());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->cmdline, (std::vector<std::string>{"nginx: worker process"}));
}

TEST(ReadProcess, GoneOrMalformedProcessIsNullopt) {
    FakeProc proc;
    proc.add_process(8);
    proc.write(8, "status", "Name:\tbroken\nUid:\t0\n");

    EXPECT_EQ(read_process(9, proc.root()), std::nullopt);  // no such pid
    EXPECT_EQ(read_process(8, proc.root()), std::nullopt);  // no effective uid, no Gid line
}

}  // namespace
}  // namespace sluice
