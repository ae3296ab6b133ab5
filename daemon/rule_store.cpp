#include "daemon/rule_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>
#include <string_view>
#include <system_error>

#include "daemon/base/fd.hpp"
#include "rules/rule_parser.hpp"
#include "rules/rule_writer.hpp"
#include "rules/text_file.hpp"

namespace sluice {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader =
    "# State rules of sluiced: made by prompt answers and D-Bus edits. The daemon rewrites\n"
    "# this file on every change; a hand edit is picked up while it runs (docs/rules.md).\n";
constexpr int kHeaderLines = 2;
constexpr int kRuleColumn = 5;  // "  - id: ..." puts each rule's mapping at column 5
constexpr mode_t kFileMode = 0644;

std::string temp_prefix(const fs::path& target) {
    return "." + target.filename().string() + ".tmp-";
}

fs::path directory_of(const fs::path& target) {
    return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

Result<void> write_all(int fd, std::string_view text, const std::string& name) {
    while (!text.empty()) {
        const ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error::from_errno("cannot write " + name);
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

Result<void> fsync_directory(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return Error::from_errno("cannot open directory " + dir.string());
    }
    if (::fsync(fd.get()) != 0) {
        return Error::from_errno("cannot flush directory " + dir.string());
    }
    return {};
}

// Keeps the current file as "<target>.bak". A hard link shares the current file's inode,
// which is never written again (every save makes a new file), so the backup is that complete
// version; the link is made aside and renamed so an old backup is replaced atomically too.
Result<void> keep_backup(const fs::path& target) {
    const auto backup = target.string() + ".bak";
    const auto aside = (directory_of(target) / ("." + target.filename().string() + ".bak.tmp"));
    (void)::unlink(aside.c_str());
    if (::link(target.c_str(), aside.c_str()) != 0) {
        if (errno == ENOENT) {
            return {};  // no previous version
        }
        // A file system without hard links: copy instead.
        std::error_code error;
        fs::copy_file(target, aside, fs::copy_options::overwrite_existing, error);
        if (error) {
            return Error{"cannot keep a backup of " + target.string() + ": " + error.message()};
        }
    }
    if (::rename(aside.c_str(), backup.c_str()) != 0) {
        return Error::from_errno("cannot rename " + aside.string() + " to " + backup);
    }
    return {};
}

// Temp file in the same directory, write, fsync, backup, rename over, fsync the directory.
Result<void> write_file_atomically(const fs::path& target, std::string_view text) {
    const auto dir = directory_of(target);
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
        return Error{"cannot create directory " + dir.string() + ": " + error.message()};
    }
    std::string temp = (dir / (temp_prefix(target) + "XXXXXX")).string();
    Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd) {
        return Error::from_errno("cannot create a temporary file in " + dir.string());
    }
    auto fail = [&temp](Error failure) -> Result<void> {
        (void)::unlink(temp.c_str());
        return failure;
    };
    if (::fchmod(fd.get(), kFileMode) != 0) {
        return fail(Error::from_errno("cannot set the mode of " + temp));
    }
    if (auto written = write_all(fd.get(), text, temp); !written) {
        return fail(written.error());
    }
    if (::fsync(fd.get()) != 0) {
        return fail(Error::from_errno("cannot flush " + temp));
    }
    if (::close(fd.release()) != 0) {
        return fail(Error::from_errno("cannot close " + temp));
    }
    if (auto kept = keep_backup(target); !kept) {
        return fail(kept.error());
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        return fail(Error::from_errno("cannot rename " + temp + " to " + target.string()));
    }
    return fsync_directory(dir);
}

void remove_leftover_temp_files(const fs::path& target) {
    const auto prefix = temp_prefix(target);
    const auto aside = "." + target.filename().string() + ".bak.tmp";
    std::error_code error;
    for (fs::directory_iterator entry(directory_of(target), error), end; !error && entry != end;
         entry.increment(error)) {
        const auto name = entry->path().filename().string();
        if (name.starts_with(prefix) || name == aside) {
            std::error_code ignored;
            fs::remove(entry->path(), ignored);
        }
    }
}

std::string random_state_id() {
    std::random_device device;
    const std::uint64_t value = (std::uint64_t{device()} << 32) | device();
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string id = "state-";
    for (int shift = 60; shift >= 0; shift -= 4) {
        id.push_back(kHex[(value >> shift) & 0xf]);
    }
    return id;
}

}  // namespace

RuleStore::RuleStore(std::string path)
    : path_(std::move(path)), rules_(std::make_shared<const std::vector<Rule>>()) {}

Diagnostics RuleStore::load() {
    remove_leftover_temp_files(path_);
    std::error_code error;
    if (fs::status(path_, error).type() == fs::file_type::not_found) {
        if (!rules_->empty()) {
            rules_ = std::make_shared<const std::vector<Rule>>();
        }
        content_known_ = false;
        writable_ = true;
        return {};
    }
    std::string read_error;
    const auto text = read_text_file_bounded(path_, kMaxRuleFileBytes, read_error);
    if (!text) {
        writable_ = false;
        return {Diagnostic{path_, 0, 0, "cannot read file: " + read_error}};
    }
    const auto hash = std::hash<std::string_view>{}(*text);
    if (writable_ && content_known_ && content_size_ == text->size() && content_hash_ == hash) {
        return {};
    }
    Diagnostics diagnostics;
    auto rules = parse_rules(*text, path_, diagnostics);
    if (!diagnostics.empty()) {
        writable_ = false;
        return diagnostics;
    }
    writable_ = true;
    content_known_ = true;
    content_size_ = text->size();
    content_hash_ = hash;
    rules_ = std::make_shared<const std::vector<Rule>>(std::move(rules));
    return {};
}

const Rule* RuleStore::find(const std::string& id) const {
    const auto found = std::find_if(rules_->begin(), rules_->end(),
                                    [&id](const Rule& rule) { return rule.id == id; });
    return found == rules_->end() ? nullptr : &*found;
}

Result<void> RuleStore::check_writable() const {
    if (!writable_) {
        return Error{"cannot change state rules: " + path_ +
                     " has errors; fix or remove it, then reload"};
    }
    return {};
}

Result<void> RuleStore::commit(std::vector<Rule> rules) {
    std::vector<int> lines;
    std::string text(kHeader);
    text += to_yaml(rules, lines);
    if (auto written = write_file_atomically(path_, text); !written) {
        return written.error();
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
        rules[i].source = RuleSource{path_, lines[i] + kHeaderLines, kRuleColumn};
        rules[i].id_generated = false;
    }
    rules_ = std::make_shared<const std::vector<Rule>>(std::move(rules));
    content_known_ = true;
    content_size_ = text.size();
    content_hash_ = std::hash<std::string_view>{}(text);
    return {};
}

Result<std::string> RuleStore::add(Rule rule) {
    if (auto writable = check_writable(); !writable) {
        return writable.error();
    }
    if (rule.id.empty() || rule.id_generated) {
        do {
            rule.id = random_state_id();
        } while (find(rule.id) != nullptr);
    } else if (find(rule.id) != nullptr) {
        return Error{"rule id '" + rule.id + "' is already used by a state rule"};
    }
    std::string id = rule.id;
    std::vector<Rule> next = *rules_;
    next.push_back(std::move(rule));
    if (auto committed = commit(std::move(next)); !committed) {
        return committed.error();
    }
    return id;
}

Result<void> RuleStore::update(const std::string& id, Rule rule) {
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    if (!rule.id.empty() && !rule.id_generated && rule.id != id) {
        return Error{"cannot change the id of rule '" + id + "' to '" + rule.id + "'"};
    }
    const Rule* current = find(id);
    if (current == nullptr) {
        return Error{"no state rule '" + id + "'"};
    }
    rule.id = id;
    std::vector<Rule> next = *rules_;
    next[static_cast<std::size_t>(current - rules_->data())] = std::move(rule);
    return commit(std::move(next));
}

Result<void> RuleStore::remove(const std::string& id) {
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    const Rule* current = find(id);
    if (current == nullptr) {
        return Error{"no state rule '" + id + "'"};
    }
    std::vector<Rule> next = *rules_;
    next.erase(next.begin() + (current - rules_->data()));
    return commit(std::move(next));
}

Result<std::size_t> RuleStore::prune_expired(TimePoint now) {
    if (!writable_) {
        return std::size_t{0};
    }
    std::vector<Rule> next;
    next.reserve(rules_->size());
    std::copy_if(rules_->begin(), rules_->end(), std::back_inserter(next),
                 [now](const Rule& rule) { return !rule.expired_at(now); });
    const std::size_t removed = rules_->size() - next.size();
    if (removed == 0) {
        return removed;
    }
    if (auto committed = commit(std::move(next)); !committed) {
        return committed.error();
    }
    return removed;
}

}  // namespace sluice
