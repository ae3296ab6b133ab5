#include "rules/glob.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

bool glob_matches(std::string_view pattern, std::string_view text) {
    const auto glob = Glob::parse(pattern);
    EXPECT_TRUE(glob) << pattern;
    return glob && glob->matches(text);
}

TEST(Glob, PlainPathMatchesOnlyItself) {
    EXPECT_TRUE(glob_matches("/usr/bin/curl", "/usr/bin/curl"));
    EXPECT_FALSE(glob_matches("/usr/bin/curl", "/usr/bin/curl2"));
    EXPECT_FALSE(glob_matches("/usr/bin/curl", "/usr/bin/cur"));
}

TEST(Glob, SingleStarStaysWithinOneComponent) {
    EXPECT_TRUE(glob_matches("/usr/lib/*/firefox", "/usr/lib/firefox-esr/firefox"));
    EXPECT_TRUE(glob_matches("/usr/bin/*", "/usr/bin/curl"));
    EXPECT_FALSE(glob_matches("/usr/bin/*", "/usr/bin/x/curl"));
    EXPECT_FALSE(glob_matches("/usr/lib/*/firefox", "/usr/lib/a/b/firefox"));
    EXPECT_TRUE(glob_matches("/opt/app-*", "/opt/app-"));
    EXPECT_TRUE(glob_matches("/opt/*-bin", "/opt/x-y-bin"));
}

TEST(Glob, DoubleStarCrossesComponents) {
    EXPECT_TRUE(glob_matches("/opt/**", "/opt/a/b/c"));
    EXPECT_TRUE(glob_matches("/opt/**/bin/app", "/opt/a/b/bin/app"));
    EXPECT_TRUE(glob_matches("/home/**.AppImage", "/home/alice/apps/x.AppImage"));
    EXPECT_FALSE(glob_matches("/opt/**", "/usr/opt/a"));
}

TEST(Glob, SlashDoubleStarSlashAlsoMatchesOneSlash) {
    EXPECT_TRUE(glob_matches("/usr/**/firefox", "/usr/firefox"));
    EXPECT_TRUE(glob_matches("/usr/**/firefox", "/usr/lib/firefox"));
    EXPECT_FALSE(glob_matches("/usr/**/firefox", "/usr/libfirefox"));
}

TEST(Glob, TrailingSlashPatternMatchesNoFile) {
    EXPECT_FALSE(glob_matches("/usr/bin/", "/usr/bin/curl"));
    EXPECT_TRUE(glob_matches("/usr/bin/", "/usr/bin/"));
}

TEST(Glob, OtherGlobCharactersAreLiteral) {
    EXPECT_TRUE(glob_matches("/opt/a?b[1]", "/opt/a?b[1]"));
    EXPECT_FALSE(glob_matches("/opt/a?b", "/opt/axb"));
}

TEST(Glob, ManyStarsStayLinear) {
    const std::string pattern = "/" + std::string(200, 'a') + "*a*a*a*a*a*a*a*a*a*a*b";
    EXPECT_FALSE(glob_matches(pattern, "/" + std::string(4000, 'a')));
}

TEST(Glob, BadPatternsAreRejectedWithReasons) {
    std::string error;
    EXPECT_FALSE(Glob::parse("", &error));
    EXPECT_EQ(error, "pattern is empty");
    EXPECT_FALSE(Glob::parse("/a/***", &error));
    EXPECT_EQ(error, "'/a/***' has '***'; use '*' within a path component or '**' across them");
    EXPECT_FALSE(Glob::parse(std::string_view("/a\0b", 4), &error));
    EXPECT_EQ(error, "pattern contains a NUL character");
}

}  // namespace
}  // namespace sluice
