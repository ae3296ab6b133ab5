#include "cli/rules_check.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/json_text.hpp"

namespace sluice::cli {
namespace {

class RulesCheckTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sluicectl-check-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        const auto path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(RulesCheckTest, CleanFilesAreCountedAndReportedOk) {
    const auto rules = write("good.yaml",
                             "rules:\n"
                             "  - id: a\n    action: allow\n    port: 80\n"
                             "  - id: b\n    action: deny\n");
    const auto hosts = write("hosts.txt", "example.com\n*.example.org\n");
    const auto report = check_files({rules}, {hosts}, {});
    EXPECT_TRUE(report.clean());
    EXPECT_EQ(check_summary_text(report), rules + ": ok, 2 rules\n" + hosts + ": ok, 2 entries\n");
}

TEST_F(RulesCheckTest, ProblemsCarryFileLineAndColumn) {
    const auto rules = write("bad.yaml",
                             "rules:\n"
                             "  - id: a\n    action: allow\n    port: 70000\n"
                             "  - id: b\n    action: maybe\n");
    const auto report = check_files({rules}, {}, {});
    ASSERT_EQ(report.diagnostics.size(), 2U);
    EXPECT_EQ(report.diagnostics[0].file, rules);
    EXPECT_EQ(report.diagnostics[0].line, 4);
    EXPECT_EQ(report.diagnostics[1].line, 6);
    EXPECT_EQ(check_summary_text(report), "");
    EXPECT_FALSE(report.files[0].clean);
}

TEST_F(RulesCheckTest, ListsNamedByRulesAreCheckedAtTheirOwnPositions) {
    const auto ips = write("ips.txt", "10.0.0.0/8\nnot-an-address\n");
    const auto rules =
        write("lists.yaml", "rules:\n  - id: a\n    action: deny\n    ip_list: " + ips + "\n");
    const auto report = check_files({rules}, {}, {});
    ASSERT_FALSE(report.clean());
    EXPECT_EQ(report.diagnostics.front().file, ips);
    EXPECT_EQ(report.diagnostics.front().line, 2);
}

TEST_F(RulesCheckTest, UnreadableFileIsOneDiagnosticAtTheWholeFile) {
    const auto missing = (dir_ / "missing.yaml").string();
    const auto report = check_files({missing}, {}, {});
    ASSERT_EQ(report.diagnostics.size(), 1U);
    EXPECT_EQ(report.diagnostics[0].to_string(),
              missing + ":0:0: error: cannot read file: No such file or directory");
}

TEST_F(RulesCheckTest, JsonReportListsFilesAndErrors) {
    const auto ips = write("ips.txt", "10.0.0.0/33\n");
    const auto report = check_files({}, {}, {ips});
    const std::string json = to_json(check_report_value(report));
    EXPECT_EQ(json.rfind(R"({"clean":false,"errors":[{"column":1,"file":")" + ips +
                             R"(","line":1,"message":)",
                         0),
              0U)
        << json;
    EXPECT_NE(json.find(R"("files":[{"clean":false,"entries":0,"kind":"ip_list","path":")"),
              std::string::npos)
        << json;
}

}  // namespace
}  // namespace sluice::cli
