#include "daemon/attribution/proc_connector.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// Events of the real kernel: fork, exec and exit of a child we start.
TEST(ProcConnector, SeesForkExecAndExitOfAChild) {
    auto connector = ProcConnector::open();
    if (!connector && connector.error().errno_value == EPERM) {
        GTEST_SKIP() << connector.error().message();
    }
    ASSERT_TRUE(connector.ok()) << connector.error().message();

    const pid_t child = ::fork();
    if (child == 0) {
        ::execl("/bin/true", "true", nullptr);
        ::_exit(127);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);

    bool forked = false;
    bool execed = false;
    bool exited = false;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::vector<ProcEvent> events;
    while (!(forked && execed && exited) && Clock::now() < deadline) {
        pollfd ready{connector->fd(), POLLIN, 0};
        ::poll(&ready, 1, 100);
        events.clear();
        ASSERT_TRUE(connector->read(events, 256).ok());
        for (const ProcEvent& event : events) {
            if (event.pid != static_cast<std::uint32_t>(child)) {
                continue;
            }
            forked |= event.kind == ProcEvent::Kind::kFork &&
                      event.parent_pid == static_cast<std::uint32_t>(::getpid());
            execed |= event.kind == ProcEvent::Kind::kExec;
            exited |= event.kind == ProcEvent::Kind::kExit;
        }
    }
    EXPECT_TRUE(forked);
    EXPECT_TRUE(execed);
    EXPECT_TRUE(exited);
    EXPECT_EQ(connector->counters().malformed, 0U);
}

}  // namespace
}  // namespace sluice
