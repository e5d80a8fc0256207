// tools/tool_args.cpp — flag parsing and store error reporting for the log subcommands.
#include "tool_args.h"

#include <algorithm>
#include <cstdio>

namespace gwtape::tools {
namespace {

bool looks_like_flag(std::string_view arg) {
  return arg.size() > 1 && arg[0] == '-' && std::none_of(arg.begin(), arg.end(), [](char c) {
           return c == ' ' || c == '\t' || c == '\n' || c == '\r';
         });
}

}  // namespace

std::string_view ParsedFlags::get(std::string_view flag, std::string_view fallback) const {
  auto it = values.find(flag);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

bool take_flag(const Args& args, std::size_t& i, std::string_view& flag, std::string& value) {
  flag = args[i];
  if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string_view::npos) {
    value = flag.substr(eq + 1);
    flag = flag.substr(0, eq);
    return true;
  }
  if (i + 1 >= args.size()) return false;
  value = args[++i];
  return true;
}

std::optional<ParsedFlags> parse_flags(const Command& command, const Args& args,
                                       const std::vector<FlagSpec>& specs, int& exit_code) {
  ParsedFlags out;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (only_positional || !looks_like_flag(arg)) {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto spec =
        std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      exit_code = usage_error(command, "unknown flag " + std::string(name));
      return std::nullopt;
    }
    if (!spec->repeatable && out.values.count(spec->name)) {
      exit_code = usage_error(command, std::string(name) + " given twice");
      return std::nullopt;
    }
    auto& values = out.values[spec->name];
    if (!spec->takes_value) {
      if (inline_value) {
        exit_code = usage_error(command, std::string(name) + " takes no value");
        return std::nullopt;
      }
      values.emplace_back();
    } else if (inline_value) {
      values.push_back(*inline_value);
    } else if (i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      exit_code = usage_error(command, "missing value for " + std::string(name));
      return std::nullopt;
    }
  }
  return out;
}

int report(const Command& command, int code, std::string_view message) {
  std::fprintf(stderr, "gwtape %.*s: %.*s\n", static_cast<int>(command.name.size()),
               command.name.data(), static_cast<int>(message.size()), message.data());
  return code;
}

int report_store_error(const Command& command, const store::Error& error) {
  int code = kFailure;
  switch (error.code) {
    case store::Errc::kIo:
    case store::Errc::kNotALog:
    case store::Errc::kVersion:
    case store::Errc::kCorrupt:
    case store::Errc::kBusy:
    case store::Errc::kNotFound:
    case store::Errc::kReadOnly:
      code = kBadLog;
      break;
    case store::Errc::kInvalidArgument:
      code = kUsage;
      break;
    default:
      break;
  }
  return report(command, code, error.message);
}

}  // namespace gwtape::tools
