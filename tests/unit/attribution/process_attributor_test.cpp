#include "daemon/attribution/process_attributor.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "tests/unit/attribution/loopback_sockets.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

ProcessAttributor::Options quiet_options() {
    ProcessAttributor::Options options;
    options.identity.background = false;
    options.dpkg_info_dir = "/nonexistent";  // keeps the test off the host's dpkg database
    return options;
}

Connection tcp_connection(const test::TcpConnection& tcp) {
    Connection connection;
    connection.protocol = Protocol::kTcp;
    connection.local_address = *IpAddress::parse("127.0.0.1");
    connection.remote_address = *IpAddress::parse("127.0.0.1");
    connection.local_port = tcp.client_port;
    connection.remote_port = tcp.server_port;
    return connection;
}

TEST(ProcessAttributor, NamesThisProcessAsTheOwnerOfItsConnection) {
    auto attributor = ProcessAttributor::create(quiet_options());
    ASSERT_TRUE(attributor.ok()) << attributor.error().message();
    const auto tcp = test::connect_tcp(test::listen_on(AF_INET, "127.0.0.1"), AF_INET, "127.0.0.1");

    Connection connection = tcp_connection(tcp);
    const auto notes = (*attributor)->attribute(connection, std::nullopt, std::nullopt);
    EXPECT_EQ(notes.outcome, "fd search");
    EXPECT_EQ(connection.pid, static_cast<std::uint32_t>(::getpid()));
    EXPECT_EQ(connection.uid, ::geteuid());
    EXPECT_EQ(connection.gid, ::getegid());
    EXPECT_EQ(connection.exe, fs::read_symlink("/proc/self/exe").string());
    EXPECT_EQ(connection.sha256.size(), 64U);
    EXPECT_FALSE(connection.cmdline.empty());
    ASSERT_FALSE(connection.parent_pids.empty());
    EXPECT_EQ(connection.parent_pids.front(), static_cast<std::uint32_t>(::getppid()));

    // The second time the inode cache answers with one readlink.
    Connection again = tcp_connection(tcp);
    EXPECT_EQ((*attributor)->attribute(again, std::nullopt, std::nullopt).outcome, "inode cache");
    EXPECT_EQ(again.pid, connection.pid);
    EXPECT_EQ((*attributor)->counters().inode_cache_hits, 1U);
}

TEST(ProcessAttributor, NamesAChildThatConnected) {
    auto attributor = ProcessAttributor::create(quiet_options());
    ASSERT_TRUE(attributor.ok()) << attributor.error().message();
    Fd listener = test::listen_on(AF_INET, "127.0.0.1");
    const std::uint16_t port = test::local_port(listener);
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        const Fd socket = test::make_socket(AF_INET, SOCK_STREAM);
        test::connect_to(socket, AF_INET, "127.0.0.1", port);
        const std::uint16_t child_port = test::local_port(socket);
        static_cast<void>(::write(ready[1], &child_port, sizeof(child_port)));
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    std::uint16_t child_port = 0;
    ASSERT_EQ(::read(ready[0], &child_port, sizeof(child_port)),
              static_cast<ssize_t>(sizeof(child_port)));
    ::close(ready[0]);

    Connection connection;
    connection.protocol = Protocol::kTcp;
    connection.local_address = *IpAddress::parse("127.0.0.1");
    connection.remote_address = *IpAddress::parse("127.0.0.1");
    connection.local_port = child_port;
    connection.remote_port = port;
    static_cast<void>((*attributor)->attribute(connection, std::nullopt, std::nullopt));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);

    EXPECT_EQ(connection.pid, static_cast<std::uint32_t>(child));
    ASSERT_FALSE(connection.parent_pids.empty());
    EXPECT_EQ(connection.parent_pids.front(), static_cast<std::uint32_t>(::getpid()));
}

TEST(ProcessAttributor, WithoutASocketOnlyThePacketUidIsKnown) {
    auto attributor = ProcessAttributor::create(quiet_options());
    ASSERT_TRUE(attributor.ok()) << attributor.error().message();
    Connection connection;
    connection.protocol = Protocol::kIcmp;
    connection.local_address = *IpAddress::parse("127.0.0.1");
    connection.remote_address = *IpAddress::parse("127.0.0.1");
    const auto notes = (*attributor)->attribute(connection, 0U, 0U);
    EXPECT_EQ(notes.outcome, "not attributed");
    EXPECT_EQ(connection.uid, 0U);
    EXPECT_EQ(connection.user_name, "root");
    EXPECT_EQ(connection.pid, std::nullopt);
    EXPECT_EQ(connection.exe, "");
    EXPECT_EQ((*attributor)->counters().uid_only, 1U);
}

}  // namespace
}  // namespace sluice
