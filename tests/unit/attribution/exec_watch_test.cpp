#include "daemon/attribution/exec_watch.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sluice {
namespace {

std::vector<std::uint8_t> record(std::uint32_t pid, int fd, std::uint64_t mask,
                                 std::uint32_t length = sizeof(fanotify_event_metadata)) {
    fanotify_event_metadata metadata{};
    metadata.event_len = length;
    metadata.vers = FANOTIFY_METADATA_VERSION;
    metadata.metadata_len = sizeof(metadata);
    metadata.mask = mask;
    metadata.fd = fd;
    metadata.pid = static_cast<std::int32_t>(pid);
    std::vector<std::uint8_t> bytes(std::max<std::size_t>(length, sizeof(metadata)));
    std::memcpy(bytes.data(), &metadata, sizeof(metadata));
    return bytes;
}

TEST(FanotifyEvents, EveryRecordIsReported) {
    auto buffer = record(10, 5, FAN_OPEN_EXEC);
    const auto second = record(11, -1, FAN_Q_OVERFLOW);
    buffer.insert(buffer.end(), second.begin(), second.end());
    std::vector<std::pair<std::uint32_t, int>> seen;
    const auto parsed = parse_fanotify_events(
        buffer, [&](std::uint32_t pid, int fd, std::uint64_t) { seen.emplace_back(pid, fd); });
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, int>>{{10, 5}, {11, -1}}));
}

TEST(FanotifyEvents, MalformedRecordsStopTheWalk) {
    int calls = 0;
    const auto count = [&](std::uint32_t, int, std::uint64_t) { ++calls; };
    auto lying = record(10, -1, FAN_OPEN_EXEC, 4096);
    lying.resize(sizeof(fanotify_event_metadata));
    auto parsed = parse_fanotify_events(lying, count);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message(), "fanotify record length 4096 out of bounds");

    auto old = record(10, -1, FAN_OPEN_EXEC);
    old[4] = 2;  // vers
    parsed = parse_fanotify_events(old, count);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message(), "fanotify record version 2, expected 3");

    const std::vector<std::uint8_t> stub(5);
    parsed = parse_fanotify_events(stub, count);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message(), "fanotify record cut short: 5 bytes");
    EXPECT_EQ(calls, 0);
}

// The real kernel: the program a child execs arrives as an open file, with the child's pid.
TEST(ExecWatch, HandsOverTheProgramAChildExecs) {
    auto watch = ExecWatch::open();
    if (!watch && (watch.error().errno_value == EPERM || watch.error().errno_value == ENOSYS)) {
        GTEST_SKIP() << watch.error().message();
    }
    ASSERT_TRUE(watch.ok()) << watch.error().message();
    EXPECT_GE(watch->filesystems(), 1U);

    const pid_t child = ::fork();
    if (child == 0) {
        ::execl("/bin/true", "true", nullptr);
        ::_exit(127);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);

    const auto program = std::filesystem::canonical("/bin/true");
    bool seen = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<ExecOpen> opens;
    while (!seen && std::chrono::steady_clock::now() < deadline) {
        pollfd ready{watch->fd(), POLLIN, 0};
        ::poll(&ready, 1, 100);
        opens.clear();
        ASSERT_TRUE(watch->read(opens, 256).ok());
        for (const ExecOpen& open : opens) {
            const auto path =
                std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(open.file.get()));
            seen |= open.pid == static_cast<std::uint32_t>(child) && path == program;
        }
    }
    EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace sluice
