#include "cli/rules_check.hpp"

#include "rules/domain_list.hpp"
#include "rules/ip_list.hpp"
#include "rules/rule_parser.hpp"

namespace sluice::cli {

namespace {

template <typename Load>
void check_one(CheckReport& report, const std::string& path, const char* kind, Load load) {
    const auto errors_before = report.diagnostics.size();
    const std::size_t entries = load(path, report.diagnostics);
    report.files.push_back(
        CheckedFile{path, kind, entries, report.diagnostics.size() == errors_before});
}

std::string plural(std::size_t count, const char* singular, const char* several) {
    return std::to_string(count) + " " + (count == 1 ? singular : several);
}

}  // namespace

CheckReport check_files(const std::vector<std::string>& rule_files,
                        const std::vector<std::string>& host_lists,
                        const std::vector<std::string>& ip_lists) {
    CheckReport report;
    for (const auto& path : rule_files) {
        check_one(report, path, "rules", [](const std::string& file, Diagnostics& diagnostics) {
            return load_rule_file(file, diagnostics).size();
        });
    }
    for (const auto& path : host_lists) {
        check_one(report, path, "host_list",
                  [](const std::string& file, Diagnostics& diagnostics) -> std::size_t {
                      const auto list = load_domain_list(file, diagnostics);
                      return list ? list->size() : 0;
                  });
    }
    for (const auto& path : ip_lists) {
        check_one(report, path, "ip_list",
                  [](const std::string& file, Diagnostics& diagnostics) -> std::size_t {
                      const auto list = load_ip_list(file, diagnostics);
                      return list ? list->size() : 0;
                  });
    }
    return report;
}

std::string check_summary_text(const CheckReport& report) {
    std::string text;
    for (const auto& file : report.files) {
        if (!file.clean) {
            continue;
        }
        text += file.path + ": ok, " +
                (file.kind == "rules" ? plural(file.entries, "rule", "rules")
                                      : plural(file.entries, "entry", "entries")) +
                "\n";
    }
    return text;
}

Value check_report_value(const CheckReport& report) {
    Value::List files;
    for (const auto& file : report.files) {
        files.emplace_back(Object{{"path", file.path},
                                  {"kind", file.kind},
                                  {"entries", static_cast<std::uint64_t>(file.entries)},
                                  {"clean", file.clean}});
    }
    Value::List errors;
    for (const auto& diagnostic : report.diagnostics) {
        errors.emplace_back(Object{{"file", diagnostic.file},
                                   {"line", static_cast<std::int64_t>(diagnostic.line)},
                                   {"column", static_cast<std::int64_t>(diagnostic.column)},
                                   {"message", diagnostic.message}});
    }
    return Object{
        {"clean", report.clean()}, {"files", std::move(files)}, {"errors", std::move(errors)}};
}

}  // namespace sluice::cli
