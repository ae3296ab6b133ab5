#include "daemon/attribution/dpkg_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "tests/unit/attribution/dpkg_test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Owner = DpkgDatabase::Owner;

TEST(DpkgDatabase, FindsThePackageListingAPath) {
    test::FakeDpkg dpkg;
    dpkg.write("curl.list", "/.\n/usr\n/usr/bin\n/usr/bin/curl\n/usr/share/doc/curl\n");
    dpkg.write("libc-bin.list", "/usr/bin/ldd\n/sbin/ldconfig\n");
    DpkgDatabase database(dpkg.info_dir());

    EXPECT_EQ(database.owners("/usr/bin/curl"), (std::vector<Owner>{{"curl", "/usr/bin/curl"}}));
    EXPECT_TRUE(database.owners("/usr/bin/wget").empty());
    EXPECT_EQ(database.builds(), 1U);
}

TEST(DpkgDatabase, MergedUsrPathsAreFoundUnderEitherName) {
    test::FakeDpkg dpkg;
    dpkg.write("libc-bin.list", "/sbin/ldconfig\n");
    dpkg.write("coreutils.list", "/usr/bin/ls\n");
    DpkgDatabase database(dpkg.info_dir());

    EXPECT_EQ(database.owners("/usr/sbin/ldconfig"),
              (std::vector<Owner>{{"libc-bin", "/sbin/ldconfig"}}));
    EXPECT_EQ(database.owners("/bin/ls"), (std::vector<Owner>{{"coreutils", "/usr/bin/ls"}}));
}

TEST(DpkgDatabase, ADivertedPathHasTwoOwners) {
    test::FakeDpkg dpkg;
    dpkg.write("coreutils.list", "/usr/bin/ls\n");
    dpkg.write("fancy-ls:amd64.list", "/usr/bin/ls\n");
    DpkgDatabase database(dpkg.info_dir());

    auto owners = database.owners("/usr/bin/ls");
    std::sort(owners.begin(), owners.end(),
              [](const Owner& a, const Owner& b) { return a.package < b.package; });
    EXPECT_EQ(owners, (std::vector<Owner>{{"coreutils", "/usr/bin/ls"},
                                          {"fancy-ls:amd64", "/usr/bin/ls"}}));
}

TEST(DpkgDatabase, ReadsTheRecordedMd5OfAListedPath) {
    test::FakeDpkg dpkg;
    dpkg.write("curl.md5sums",
               "0123456789abcdef0123456789abcdef  usr/share/doc/curl/copyright\n"
               "038170C95D94437D6E02A0F631524119  usr/bin/curl\n"
               "garbage line\n");
    const DpkgDatabase database(dpkg.info_dir());

    EXPECT_EQ(database.recorded_md5("curl", "/usr/bin/curl"), "038170c95d94437d6e02a0f631524119");
    EXPECT_EQ(database.recorded_md5("curl", "/usr/bin/wget"), std::nullopt);
    EXPECT_EQ(database.recorded_md5("wget", "/usr/bin/wget"), std::nullopt);
    EXPECT_EQ(database.recorded_md5("../curl", "/usr/bin/curl"), std::nullopt);
}

TEST(DpkgDatabase, RebuildsWhenDpkgChangedItsDatabase) {
    test::FakeDpkg dpkg;
    dpkg.write("curl.list", "/usr/bin/curl\n");
    DpkgDatabase database(dpkg.info_dir(), 0s);
    EXPECT_TRUE(database.owners("/usr/bin/wget").empty());
    EXPECT_TRUE(database.owners("/usr/bin/wget").empty());
    EXPECT_EQ(database.builds(), 1U);

    // dpkg installs through a new file in the directory, which changes its mtime.
    std::this_thread::sleep_for(10ms);
    dpkg.write("wget.list", "/usr/bin/wget\n");
    EXPECT_EQ(database.owners("/usr/bin/wget"), (std::vector<Owner>{{"wget", "/usr/bin/wget"}}));
    EXPECT_EQ(database.builds(), 2U);
}

TEST(DpkgDatabase, MissingDatabaseOwnsNothing) {
    DpkgDatabase database("/nonexistent/dpkg/info");
    EXPECT_TRUE(database.owners("/usr/bin/curl").empty());
    EXPECT_EQ(database.paths(), 0U);
}

}  // namespace
}  // namespace sluice
