#include "daemon/rule_watcher.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "tests/unit/rules/rules_test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Runs the watcher as the event loop would for `window`; returns how many reloads came due.
int reloads_within(RuleWatcher& watcher, std::chrono::milliseconds window) {
    int reloads = 0;
    const auto end = std::chrono::steady_clock::now() + window;
    for (auto now = std::chrono::steady_clock::now(); now < end;
         now = std::chrono::steady_clock::now()) {
        pollfd ready{watcher.fd(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
        if (::poll(&ready, 1, static_cast<int>(left.count()) + 1) > 0 && watcher.on_readable()) {
            ++reloads;
        }
    }
    return reloads;
}

// Waits for the first reload; how long it took, or nullopt after `limit`.
std::optional<std::chrono::milliseconds> first_reload(RuleWatcher& watcher,
                                                      std::chrono::milliseconds limit = 2s) {
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + limit;
    while (std::chrono::steady_clock::now() < end) {
        pollfd ready{watcher.fd(), POLLIN, 0};
        if (::poll(&ready, 1, 50) > 0 && watcher.on_readable()) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start);
        }
    }
    return std::nullopt;
}

RuleWatcher make_watcher() {
    auto watcher = RuleWatcher::create();
    EXPECT_TRUE(watcher) << watcher.error().message();
    return std::move(*watcher);
}

TEST(RuleWatcher, EditingARuleFileDueOneReloadAfterItSettles) {
    TempDir tmp;
    tmp.write("d/10-a.yaml", "rules: []\n");
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({tmp.path("d")}, {}));
    EXPECT_EQ(watcher.watched_directories(), 1u);
    tmp.write("d/10-a.yaml", "rules:\n  - {action: deny}\n");
    const auto took = first_reload(watcher);
    ASSERT_TRUE(took);
    EXPECT_GE(*took, RuleWatcher::kDefaultSettle - 10ms);
    EXPECT_EQ(reloads_within(watcher, 300ms), 0);
}

TEST(RuleWatcher, BurstOfChangesIsOneReload) {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path("d"));
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({tmp.path("d")}, {}));
    std::thread writer([&] {
        for (int i = 0; i < 20; ++i) {
            tmp.write("d/" + std::to_string(i % 3) + ".yaml", "rules: []\n");
            std::this_thread::sleep_for(10ms);
        }
    });
    const int reloads = reloads_within(watcher, 900ms);
    writer.join();
    EXPECT_EQ(reloads, 1);
}

TEST(RuleWatcher, FilesThatAreNotRulesAreIgnored) {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path("d"));
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({tmp.path("d")}, {}));
    tmp.write("d/README.txt", "x");
    tmp.write("d/.10-a.yaml.swp", "x");
    tmp.write("d/10-a.yaml.bak", "x");
    EXPECT_EQ(reloads_within(watcher, 400ms), 0);
    tmp.write("d/10-a.yaml", "rules: []\n");
    EXPECT_TRUE(first_reload(watcher));
}

TEST(RuleWatcher, ListFileReplacedByRenameIsSeen) {
    TempDir tmp;
    const auto list = tmp.write("lists/ads.txt", "ads.example\n");
    tmp.write("lists/other.txt", "x\n");
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({}, {list}));
    tmp.write("lists/other.txt", "y\n");
    EXPECT_EQ(reloads_within(watcher, 300ms), 0);
    const auto replacement = tmp.write("lists/.ads.txt.new", "tracker.example\n");
    ASSERT_EQ(std::rename(replacement.c_str(), list.c_str()), 0);
    EXPECT_TRUE(first_reload(watcher));
    // The watch is on the directory, so the new file is watched too.
    tmp.write("lists/ads.txt", "third.example\n");
    EXPECT_TRUE(first_reload(watcher));
}

TEST(RuleWatcher, StateFileTemporariesAreIgnoredButTheRenameIsSeen) {
    TempDir tmp;
    const auto state = tmp.write("state/rules.yaml", "rules: []\n");
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({}, {state}));
    const auto temp = tmp.write("state/.rules.yaml.tmp-abc123", "rules: []\n");
    EXPECT_EQ(reloads_within(watcher, 300ms), 0);
    ASSERT_EQ(std::rename(temp.c_str(), state.c_str()), 0);
    EXPECT_TRUE(first_reload(watcher));
}

TEST(RuleWatcher, MissingDirectoryIsPickedUpByTheNextWatch) {
    TempDir tmp;
    auto watcher = make_watcher();
    ASSERT_TRUE(watcher.watch({tmp.path("later")}, {}));
    EXPECT_EQ(watcher.watched_directories(), 0u);
    std::filesystem::create_directories(tmp.path("later"));
    ASSERT_TRUE(watcher.watch({tmp.path("later")}, {}));
    EXPECT_EQ(watcher.watched_directories(), 1u);
    tmp.write("later/10-a.yaml", "rules: []\n");
    EXPECT_TRUE(first_reload(watcher));
    ASSERT_TRUE(watcher.watch({}, {}));
    EXPECT_EQ(watcher.watched_directories(), 0u);
    tmp.write("later/10-a.yaml", "rules:\n  - {action: deny}\n");
    EXPECT_EQ(reloads_within(watcher, 300ms), 0);
}

}  // namespace
}  // namespace sluice
