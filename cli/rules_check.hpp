#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/value.hpp"
#include "rules/diagnostic.hpp"

namespace sluice::cli {

// `sluicectl rules check`: loads files with the daemon's own loaders (rules/rule_parser.hpp,
// which also loads and checks every host_list and ip_list a rule names; rules/domain_list.hpp
// and rules/ip_list.hpp for lists given directly), so "check passes" means "sluiced would load
// it". Needs no daemon and no privileges beyond reading the files.
struct CheckedFile {
    std::string path;
    std::string kind;         // "rules", "host_list" or "ip_list"
    std::size_t entries = 0;  // rules, or list entries
    bool clean = false;
};

struct CheckReport {
    std::vector<CheckedFile> files;
    Diagnostics diagnostics;  // every problem, FILE:LINE:COL, in file order

    [[nodiscard]] bool clean() const { return diagnostics.empty(); }
};

CheckReport check_files(const std::vector<std::string>& rule_files,
                        const std::vector<std::string>& host_lists,
                        const std::vector<std::string>& ip_lists);

// Human output: "FILE: ok, N rules" per clean file on stdout; the diagnostics go to stderr.
std::string check_summary_text(const CheckReport& report);

// --json: {"clean":bool,"files":[{"path","kind","entries","clean"}],"errors":[{"file","line",
// "column","message"}]}.
Value check_report_value(const CheckReport& report);

}  // namespace sluice::cli
