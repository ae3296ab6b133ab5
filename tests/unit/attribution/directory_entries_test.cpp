#include "daemon/attribution/directory_entries.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>

#include "tests/unit/rules/rules_test_support.hpp"

namespace sluice {
namespace {

std::set<std::string> list(const std::string& path) {
    DirectoryEntries entries(AT_FDCWD, path.c_str());
    std::set<std::string> names;
    while (const auto name = entries.next()) {
        names.emplace(*name);
    }
    EXPECT_FALSE(entries.next()) << "the end stays the end";
    return names;
}

TEST(DirectoryEntries, ListsEveryNameButDotAndDotDot) {
    testing::TempDir dir;
    dir.write("a", "");
    dir.write("b", "");
    EXPECT_EQ(list(dir.path()), (std::set<std::string>{"a", "b"}));
}

TEST(DirectoryEntries, EmptyAndMissingDirectoriesListNothing) {
    testing::TempDir dir;
    EXPECT_TRUE(list(dir.path()).empty());
    EXPECT_TRUE(list(dir.path("missing")).empty());
}

// Names that fill several 4 KiB getdents64 batches, some of the longest kind: the shortcut that
// saves the last getdents64 call must not take a full batch for the last one.
TEST(DirectoryEntries, ListsDirectoriesLargerThanOneBatch) {
    testing::TempDir dir;
    std::set<std::string> expected;
    for (int i = 0; i < 300; ++i) {
        std::string name = std::to_string(i) + "-";
        name.append(i % 7 == 0 ? 240 : static_cast<std::size_t>(i % 50), 'x');
        dir.write(name, "");
        expected.insert(name);
    }
    EXPECT_EQ(list(dir.path()), expected);
}

// The socket search reads links relative to fd() after listing the whole directory.
TEST(DirectoryEntries, DescriptorStaysOpenAfterTheLastName) {
    const int opened = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(opened, 0);
    const std::string name = std::to_string(opened);
    DirectoryEntries entries(AT_FDCWD, "/proc/self/fd");
    bool listed = false;
    while (const auto entry = entries.next()) {
        listed = listed || *entry == name;
    }
    ASSERT_TRUE(entries.is_open());
    char link[256];
    const auto length = ::readlinkat(entries.fd(), name.c_str(), link, sizeof(link));
    ::close(opened);
    EXPECT_TRUE(listed);
    ASSERT_GT(length, 0);
    EXPECT_EQ(std::string(link, static_cast<std::size_t>(length)), "/dev/null");
}

}  // namespace
}  // namespace sluice
