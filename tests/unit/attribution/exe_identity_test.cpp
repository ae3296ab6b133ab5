#include "daemon/attribution/exe_identity.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/attribution/exe_identity_cache.hpp"
#include "tests/unit/attribution/dpkg_test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// "abc": sha256 ba78..., md5 9001...
constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kAbcMd5 = "900150983cd24fb0d6963f7d28e17f72";

class ExeIdentityTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dpkg.root() / "usr/bin");
        program = (dpkg.root() / "usr/bin/tool").string();
        std::ofstream(program) << "abc";
        // The package lists the program under the path a process would show for it.
        dpkg.write("tool.list", program + "\n");
        dpkg.write("tool.md5sums", std::string(kAbcMd5) + "  " + program.substr(1) + "\n");
    }

    Fd open_program() const { return Fd(::open(program.c_str(), O_RDONLY | O_CLOEXEC)); }
    FileKey key_of_program() const { return *file_key_of(open_program().get()); }

    test::FakeDpkg dpkg;
    std::string program;
};

TEST_F(ExeIdentityTest, DigestsTheWholeFile) {
    const auto digests = digest_file(open_program().get(), 1024);
    ASSERT_TRUE(digests.ok());
    EXPECT_EQ(digests->sha256, kAbcSha256);
    EXPECT_EQ(digests->md5, kAbcMd5);

    const auto too_big = digest_file(open_program().get(), 2);
    ASSERT_FALSE(too_big.ok());
    EXPECT_EQ(too_big.error().message(), "executable larger than 2 bytes is not hashed");
}

TEST_F(ExeIdentityTest, PackageIsSetOnlyWhenTheFileMatchesItsMd5sums) {
    DpkgDatabase database(dpkg.info_dir());
    const auto match = check_package(database, program, kAbcMd5);
    EXPECT_EQ(match.package, "tool");
    EXPECT_EQ(match.mismatched_package, "");

    const auto swapped = check_package(database, program, "ffffffffffffffffffffffffffffffff");
    EXPECT_EQ(swapped.package, "");
    EXPECT_EQ(swapped.mismatched_package, "tool");

    const auto unowned = check_package(database, "/opt/other", kAbcMd5);
    EXPECT_EQ(unowned.package, "");
    EXPECT_EQ(unowned.mismatched_package, "");
}

TEST_F(ExeIdentityTest, CacheHashesEachFileVersionOnce) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = false});
    int opened = 0;
    const auto open = [&] {
        ++opened;
        return open_program();
    };
    const FileKey key = key_of_program();

    const auto first = cache.identify(key, program, open);
    EXPECT_EQ(first.identity, (ExeIdentity{kAbcSha256, "tool", ""}));
    EXPECT_TRUE(first.first);
    const auto second = cache.identify(key, program, open);
    EXPECT_EQ(second.identity, first.identity);
    EXPECT_FALSE(second.first);
    EXPECT_EQ(opened, 1);
    EXPECT_EQ(cache.counters().hashed, 1U);
    EXPECT_EQ(cache.counters().bytes_hashed, 3U);

    // The same file reached at another path: same digest, its own package answer.
    const auto elsewhere = cache.identify(key, "/opt/copy/tool", open);
    EXPECT_EQ(elsewhere.identity, (ExeIdentity{kAbcSha256, "", ""}));
    EXPECT_EQ(opened, 1);
}

TEST_F(ExeIdentityTest, ARememberedFileIsHashedEvenAfterItsPathShowsAnotherFile) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = false});
    const FileKey original = key_of_program();
    cache.remember(original, open_program(), program);
    // Replaced under the same path (rename over it, as an attacker or an upgrade would).
    const std::string replacement = program + ".new";
    std::ofstream(replacement) << "evil";
    std::filesystem::rename(replacement, program);

    const auto answer = cache.identify(original, program, [] { return Fd(); });
    EXPECT_EQ(answer.identity.sha256, kAbcSha256);
    EXPECT_EQ(answer.identity.package, "tool");

    const FileKey swapped = key_of_program();
    const auto mismatch = cache.identify(swapped, program, [this] { return open_program(); });
    EXPECT_EQ(mismatch.identity.package, "");
    EXPECT_EQ(mismatch.identity.mismatched_package, "tool");
    EXPECT_TRUE(mismatch.first);
}

TEST_F(ExeIdentityTest, NothingToReadGivesAnEmptyIdentityThatIsNotRemembered) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = false});
    const FileKey key = key_of_program();
    EXPECT_EQ(cache.identify(key, program, [] { return Fd(); }).identity, ExeIdentity{});
    EXPECT_EQ(cache.counters().hash_failures, 1U);
    EXPECT_EQ(cache.identify(key, program, [this] { return open_program(); }).identity.sha256,
              kAbcSha256);
}

TEST_F(ExeIdentityTest, ChangedFileIsNotHashedUnderTheOldKey) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = false});
    FileKey stale = key_of_program();
    stale.mtime_ns -= 1;
    EXPECT_EQ(cache.identify(stale, program, [this] { return open_program(); }).identity,
              ExeIdentity{});
}

TEST_F(ExeIdentityTest, TheWorkerHashesRememberedFilesAhead) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = true});
    const FileKey key = key_of_program();
    cache.remember(key, open_program(), program);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (cache.counters().hashed == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    const auto answer = cache.identify(key, program, [] { return Fd(); });
    EXPECT_EQ(answer.identity.package, "tool");
    EXPECT_EQ(cache.counters().hashed_by_caller, 0U);
}

TEST_F(ExeIdentityTest, IdentifyIfReadyNeverHashesButHandsNewFilesToTheWorker) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = true});
    const FileKey key = key_of_program();
    int opened = 0;
    const auto open = [&] {
        ++opened;
        return open_program();
    };
    EXPECT_FALSE(cache.identify_if_ready(key, program, open).has_value());
    EXPECT_EQ(opened, 1);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (cache.counters().hashed == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    const auto ready = cache.identify_if_ready(key, program, open);
    ASSERT_TRUE(ready.has_value());
    EXPECT_EQ(ready->identity, (ExeIdentity{kAbcSha256, "tool", ""}));
    EXPECT_TRUE(ready->first);
    EXPECT_EQ(opened, 1);
    EXPECT_EQ(cache.counters().hashed_by_caller, 0U);
    // Another path to the same file: the digest, but no package lookup on the caller's thread.
    const auto elsewhere = cache.identify_if_ready(key, "/opt/copy/tool", open);
    ASSERT_TRUE(elsewhere.has_value());
    EXPECT_EQ(elsewhere->identity, (ExeIdentity{kAbcSha256, "", ""}));
}

TEST_F(ExeIdentityTest, IdentifyIfReadyWithoutWorkerAnswersOnlyWhatIsKnown) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.background = false});
    const FileKey key = key_of_program();
    EXPECT_FALSE(cache.identify_if_ready(key, program, [this] { return open_program(); }));
    EXPECT_EQ(cache.counters().hashed, 0U);
    static_cast<void>(cache.identify(key, program, [this] { return open_program(); }));
    const auto ready = cache.identify_if_ready(key, program, [] { return Fd(); });
    ASSERT_TRUE(ready.has_value());
    EXPECT_EQ(ready->identity.package, "tool");
}

TEST_F(ExeIdentityTest, CapacityBoundsTheCache) {
    ExeIdentityCache cache(DpkgDatabase(dpkg.info_dir()), {.capacity = 2, .background = false});
    for (int i = 0; i < 5; ++i) {
        const std::string path = (dpkg.root() / ("file" + std::to_string(i))).string();
        std::ofstream(path) << "content " << i;
        const Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        const auto key = file_key_of(file.get());
        static_cast<void>(cache.identify(*key, path, [&] { return Fd(::dup(file.get())); }));
    }
    EXPECT_LE(cache.size(), 2U);
    EXPECT_EQ(cache.counters().hashed, 5U);
}

}  // namespace
}  // namespace sluice
