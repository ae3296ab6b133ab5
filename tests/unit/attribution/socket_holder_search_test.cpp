#include "daemon/attribution/socket_holder_search.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/unit/attribution/fake_proc.hpp"
#include "tests/unit/attribution/loopback_sockets.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SocketHolderSearchTest : public ::testing::Test {
  protected:
    ProcessTable open_table() {
        ProcessTable::Options options;
        options.proc_root = proc.root();
        auto table = ProcessTable::open(options);
        EXPECT_TRUE(table.ok());
        return std::move(*table);
    }
    void add(std::uint32_t pid, std::uint64_t start, std::uint32_t uid) {
        test::FakeProcess process;
        process.start_time = start;
        process.uid = uid;
        proc.add_process(pid, process);
    }

    test::FakeProc proc;
    SocketInodeCache cache;
};

TEST_F(SocketHolderSearchTest, FindsTheHolderAndRecordsEverySocketPassed) {
    add(100, 1, 1000);
    add(200, 2, 1000);
    proc.add_fd(100, 3, "socket:[4242]");
    proc.add_fd(200, 0, "/dev/null");
    proc.add_fd(200, 5, "socket:[777]");
    proc.add_fd(200, 6, "pipe:[4242]");
    ProcessTable table = open_table();
    table.resync(Clock::now());

    // 200 is the younger process and is scanned first; its sockets are remembered on the way.
    const auto search = search_socket_holder(4242, 1000, table, cache, Clock::now() + 5s);
    ASSERT_TRUE(search.holder.has_value());
    EXPECT_EQ(*search.holder, (SocketHolder{100, 1, 3}));
    EXPECT_EQ(search.processes_scanned, 2U);
    EXPECT_EQ(cache.find(777), (SocketHolder{200, 2, 5}));
    EXPECT_EQ(cache.find(4242), (SocketHolder{100, 1, 3}));
}

TEST_F(SocketHolderSearchTest, TheSocketsUidIsSearchedFirst) {
    // A forked child shares its parent's socket: both hold it, the uid decides who is found.
    add(100, 1, 0);
    add(200, 2, 1000);
    proc.add_fd(100, 3, "socket:[4242]");
    proc.add_fd(200, 3, "socket:[4242]");
    ProcessTable table = open_table();
    table.resync(Clock::now());

    EXPECT_EQ(search_socket_holder(4242, 0, table, cache, Clock::now() + 5s).holder->pid, 100U);
    EXPECT_EQ(search_socket_holder(4242, 1000, table, cache, Clock::now() + 5s).holder->pid, 200U);
}

TEST_F(SocketHolderSearchTest, TheDescriptorOfTheLastSocketFoundIsTriedFirst) {
    add(100, 1, 1000);
    proc.add_fd(100, 3, "socket:[1]");
    proc.add_fd(100, 4, "socket:[2]");
    proc.add_fd(100, 7, "socket:[4242]");
    ProcessTable table = open_table();
    table.resync(Clock::now());
    table.note_socket_fd(100, 7);
    const auto search = search_socket_holder(4242, 1000, table, cache, Clock::now() + 5s);
    ASSERT_TRUE(search.holder.has_value());
    EXPECT_EQ(*search.holder, (SocketHolder{100, 1, 7}));
    // Found by the hint alone: the other descriptors were not read.
    EXPECT_FALSE(cache.find(1).has_value());
    EXPECT_TRUE(cache.find(4242).has_value());

    // A hint that no longer holds the socket falls back to reading every descriptor.
    table.note_socket_fd(100, 3);
    EXPECT_EQ(search_socket_holder(2, 1000, table, cache, Clock::now() + 5s).holder,
              (SocketHolder{100, 1, 4}));
}

TEST_F(SocketHolderSearchTest, MatchesTheWholeLinkNotAPrefix) {
    add(300, 1, 1000);
    proc.add_fd(300, 4, "socket:[42420]");
    ProcessTable table = open_table();
    table.resync(Clock::now());
    EXPECT_FALSE(search_socket_holder(4242, 1000, table, cache, Clock::now() + 5s).holder);
    EXPECT_FALSE(search_socket_holder(424, 1000, table, cache, Clock::now() + 5s).holder);
}

TEST_F(SocketHolderSearchTest, ProcessesTheTableMissedAreSearchedToo) {
    ProcessTable table = open_table();
    add(400, 9, ::geteuid());
    proc.add_fd(400, 7, "socket:[99]");
    const auto search = search_socket_holder(99, ::geteuid(), table, cache, Clock::now() + 5s);
    ASSERT_TRUE(search.holder.has_value());
    EXPECT_EQ(*search.holder, (SocketHolder{400, 9, 7}));
}

TEST_F(SocketHolderSearchTest, ProcessesTheTableMissedOfAnotherUidAreNotRead) {
    // Without events the table misses every new process: reading all of /proc on each miss
    // would blow the budget, so only the socket uid's own /proc entries are opened.
    ProcessTable table = open_table();
    add(400, 9, ::geteuid() + 1);
    proc.add_fd(400, 7, "socket:[99]");
    const auto search = search_socket_holder(99, ::geteuid(), table, cache, Clock::now() + 5s);
    EXPECT_FALSE(search.holder);
    EXPECT_EQ(search.processes_scanned, 0U);
}

TEST_F(SocketHolderSearchTest, GivesUpWhenTheDeadlineHasPassed) {
    add(100, 1, 1000);
    proc.add_fd(100, 3, "socket:[4242]");
    ProcessTable table = open_table();
    table.resync(Clock::now());
    const auto search = search_socket_holder(4242, 1000, table, cache, Clock::now() - 1us);
    EXPECT_FALSE(search.holder);
    EXPECT_TRUE(search.out_of_time);
}

TEST_F(SocketHolderSearchTest, HoldsSocketChecksOneDescriptor) {
    add(100, 1, 1000);
    proc.add_fd(100, 3, "socket:[4242]");
    ProcessTable table = open_table();
    EXPECT_TRUE(holds_socket(table.proc_root(), {100, 1, 3}, 4242));
    EXPECT_FALSE(holds_socket(table.proc_root(), {100, 1, 3}, 4243));
    EXPECT_FALSE(holds_socket(table.proc_root(), {100, 1, 4}, 4242));
    EXPECT_FALSE(holds_socket(table.proc_root(), {101, 1, 3}, 4242));
}

TEST(SocketHolderSearchReal, FindsThisProcessForItsOwnSocket) {
    const Fd socket = test::make_socket(AF_INET, SOCK_DGRAM);
    const std::uint64_t inode = test::inode_from_proc_self(socket);
    auto table = ProcessTable::open({});
    ASSERT_TRUE(table.ok());
    table->resync(Clock::now());
    SocketInodeCache cache;
    const auto search = search_socket_holder(inode, ::geteuid(), *table, cache, Clock::now() + 5s);
    ASSERT_TRUE(search.holder.has_value());
    EXPECT_EQ(search.holder->pid, static_cast<std::uint32_t>(::getpid()));
    EXPECT_EQ(search.holder->fd, socket.get());
    EXPECT_TRUE(holds_socket(table->proc_root(), *search.holder, inode));
}

}  // namespace
}  // namespace sluice
