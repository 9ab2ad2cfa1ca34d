// String and binary functions (docs: functions/string, functions/binary).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {

namespace {

// name(arg, arg, ...)
std::string sql_call(std::string_view name, std::initializer_list<std::string> args) {
  std::string out(name);
  out += '(';
  for (const auto& arg : args) {
    if (out.back() != '(') out += ", ";
    out += arg;
  }
  out += ')';
  return out;
}

// The Java class Trino hands java.util.Formatter for a value of `type` (its message names it).
std::string java_class(const Type& type) {
  if (is_integral(type)) return "java.lang.Long";
  switch (type.kind) {
    case TypeKind::Double: return "java.lang.Double";
    case TypeKind::Real: return "java.lang.Float";
    case TypeKind::Decimal: return "java.math.BigDecimal";
    case TypeKind::Boolean: return "java.lang.Boolean";
    case TypeKind::Date: return "java.time.LocalDate";
    default: return "java.lang.String";
  }
}

// String.valueOf of the value Trino passes (NULL stays NULL); nullopt where the text is not known to agree.
std::optional<std::string> java_string(const std::string& arg, const Type& type) {
  if (is_integral(type) || type.kind == TypeKind::Boolean || type.kind == TypeKind::Date) {
    return "CAST(" + arg + " AS VARCHAR)";
  }
  switch (type.kind) {
    case TypeKind::Varchar: return arg;
    case TypeKind::Double:
    case TypeKind::Real: return "ar_java_text(" + arg + ")";
    case TypeKind::Decimal:  // BigDecimal.toString is plain while the scale is at most 6
      if (type.scale > 6) return std::nullopt;
      return "regexp_replace(CAST(" + arg + " AS VARCHAR), '^(-?)[.]', '\\10.')";
    case TypeKind::Unknown: return std::string("CAST(NULL AS VARCHAR)");
    default: return std::nullopt;
  }
}

// format(format, args...) as java.util.Formatter writes it, for a literal format of %s, %d and %f
// specifiers ([n$][flags][width][.precision]), %% and %n; anything else is refused by name. Java's errors
// (a missing argument, a value of the wrong class) fail the rows that reach them, with Trino's message.
Outcome<std::string> format_call(const std::vector<std::string>& args, const Resolved& call) {
  auto refuse = [](const std::string& why) {
    return Outcome<std::string>(not_supported("function format is not supported by the local engine " + why));
  };
  if (call.constants.empty() || !call.constants[0]) return refuse("for a format that is not a literal");
  const std::string& format = *call.constants[0];
  auto java_error = [&](const std::string& error) {
    return failing_value("Invalid format string: " + format + " (" + error + ")", "VARCHAR");
  };
  std::vector<std::string> pieces;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) pieces.push_back(quote_string(literal));
    literal.clear();
  };
  std::size_t ordinary = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      literal += format[i];
      continue;
    }
    const std::size_t start = i++;
    auto digits = [&] {
      std::string d;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) d += format[i++];
      return d;
    };
    std::string number = digits();
    std::optional<std::size_t> explicit_index;
    if (!number.empty() && i < format.size() && format[i] == '$') {
      if (number.size() > 9 || number[0] == '0')
        return refuse("for the specifier " + format.substr(start, i + 1 - start));
      explicit_index = std::stoul(number);
      ++i;
    } else {
      i = start + 1;  // no index: the digits were flags ('0') and a width
    }
    std::string flags;
    while (i < format.size() && std::string_view("-#+ 0,(<").find(format[i]) != std::string_view::npos) {
      flags += format[i++];
    }
    number = digits();
    if (number.size() > 9) return refuse("for a width of " + number);
    const int64_t width = number.empty() ? -1 : std::stoll(number);
    int64_t precision = -1;
    if (i < format.size() && format[i] == '.') {
      ++i;
      const std::string p = digits();
      if (p.empty() || p.size() > 4) return refuse("for the specifier " + format.substr(start, i - start));
      precision = std::stoll(p);
    }
    if (i >= format.size()) {
      flush();
      pieces.push_back(java_error("UnknownFormatConversion: Conversion = '%'"));
      break;
    }
    const char conversion = format[i];
    const std::string spec = format.substr(start, i + 1 - start);
    if (conversion == '%' || conversion == 'n') {
      if (!flags.empty() || precision >= 0 || explicit_index || (conversion == 'n' && width >= 0)) {
        return refuse("for the specifier " + spec);
      }
      literal += conversion == '%' ? "%" : "\n";
      continue;
    }
    if (std::string_view("bBhHsScCdoxXeEfgGaAtT").find(conversion) == std::string_view::npos) {
      flush();
      pieces.push_back(java_error(std::string("UnknownFormatConversion: Conversion = '") + conversion + "'"));
      continue;
    }
    if (conversion != 's' && conversion != 'd' && conversion != 'f')
      return refuse("for the conversion %" + std::string(1, conversion));
    if (flags.find_first_of("#<") != std::string::npos) return refuse("for the specifier " + spec);
    const bool justify = flags.find('-') != std::string::npos;
    const bool zero = flags.find('0') != std::string::npos;
    if ((justify || zero) && width < 0) return refuse("for the specifier " + spec + " (no width)");
    if ((justify && zero) || (flags.find('+') != std::string::npos && flags.find(' ') != std::string::npos)) {
      return refuse("for the specifier " + spec);
    }
    if (conversion == 's' && flags.find_first_not_of('-') != std::string::npos)
      return refuse("for the specifier " + spec);
    if (conversion == 'd' && precision >= 0) return refuse("for the specifier " + spec);
    const std::size_t index = explicit_index ? *explicit_index : ++ordinary;
    flush();
    if (index + 1 > args.size() || index == 0) {
      pieces.push_back(java_error("MissingFormatArgument: Format specifier '" + spec + "'"));
      continue;
    }
    const std::string& arg = args[index];
    const Type& type = call.params[index];
    const std::string flag_text = quote_string(flags);
    const std::string w = std::to_string(width);
    const std::string null_text = sql_call("ar_java_pad", {"'null'", flag_text, w, "-1"});
    std::string value;
    if (conversion == 's') {
      auto text = java_string(arg, type);
      if (!text) return refuse("for %s of " + to_string(type));
      value =
          sql_call("ar_java_pad", {sql_call("coalesce", {*text, "'null'"}), flag_text, w, std::to_string(precision)});
    } else if (type.kind == TypeKind::Unknown) {
      value = null_text;
    } else {
      std::string number_text;
      if (conversion == 'd' && is_integral(type)) {
        number_text = "CAST(" + arg + " AS VARCHAR)";
      } else if (conversion == 'f' && (type.kind == TypeKind::Double || type.kind == TypeKind::Real)) {
        number_text =
            sql_call("ar_java_fixed", {"CAST(" + arg + " AS DOUBLE)", std::to_string(precision < 0 ? 6 : precision)});
      } else if (conversion == 'f' && type.kind == TypeKind::Decimal) {
        auto text = java_string(arg, type);
        if (!text) return refuse("for %f of " + to_string(type));
        number_text = sql_call("ar_java_fixed", {*text, std::to_string(precision < 0 ? 6 : precision)});
      } else {
        number_text = java_error(std::string("IllegalFormatConversion: ") + conversion + " != " + java_class(type));
      }
      value = "CASE WHEN " + arg + " IS NULL THEN ";
      value += null_text;
      value += " ELSE ";
      value += sql_call("ar_java_number", {number_text, flag_text, w});
      value += " END";
    }
    pieces.push_back(value);
  }
  flush();
  if (pieces.empty()) return std::string("''");
  std::string out = "(" + pieces[0];
  for (std::size_t k = 1; k < pieces.size(); ++k) out += " || " + pieces[k];
  return out + ")";
}

}  // namespace

void add_strings(Builder& b) {
  b.add("length", {"varchar"}, "bigint", "CAST(length({0}) AS BIGINT)");
  b.add("length", {"varbinary"}, "bigint", "CAST(octet_length({0}) AS BIGINT)");
  b.add("lower", {"varchar"}, "varchar", "lower({0})");
  b.add("upper", {"varchar"}, "varchar", "upper({0})");
  b.add("substr", {"varchar", "bigint"}, "varchar", "ar_substr({0}, {1})");
  b.add("substr", {"varchar", "bigint", "bigint"}, "varchar", "ar_substr({0}, {1}, {2})");
  b.add("substring", {"varchar", "bigint"}, "varchar", "ar_substr({0}, {1})");
  b.add("substring", {"varchar", "bigint", "bigint"}, "varchar", "ar_substr({0}, {1}, {2})");
  b.add("strpos", {"varchar", "varchar"}, "bigint", "CAST(strpos({0}, {1}) AS BIGINT)");
  b.add("strpos", {"varchar", "varchar", "bigint"}, "bigint", "ar_strpos({0}, {1}, {2})");
  b.add("replace", {"varchar", "varchar"}, "varchar", "ar_replace_all({0}, {1}, '')");
  b.add("replace", {"varchar", "varchar", "varchar"}, "varchar", "ar_replace_all({0}, {1}, {2})");
  b.add("trim", {"varchar"}, "varchar", "trim({0}, ar_whitespace())");
  b.add("ltrim", {"varchar"}, "varchar", "ltrim({0}, ar_whitespace())");
  b.add("rtrim", {"varchar"}, "varchar", "rtrim({0}, ar_whitespace())");
  b.add("trim", {"varchar", "varchar"}, "varchar", "trim({0}, {1})");
  b.add("ltrim", {"varchar", "varchar"}, "varchar", "ltrim({0}, {1})");
  b.add("rtrim", {"varchar", "varchar"}, "varchar", "rtrim({0}, {1})");
  b.add("reverse", {"varchar"}, "varchar", "ar_reverse({0})");  // code points, not grapheme clusters
  b.add("starts_with", {"varchar", "varchar"}, "boolean", "starts_with({0}, {1})");
  b.add("ends_with", {"varchar", "varchar"}, "boolean", "suffix({0}, {1})");
  b.add("hamming_distance", {"varchar", "varchar"}, "bigint", "ar_hamming_distance({0}, {1})");
  b.add("levenshtein_distance", {"varchar", "varchar"}, "bigint", "ar_levenshtein_distance({0}, {1})");
  b.add("translate", {"varchar", "varchar", "varchar"}, "varchar", "ar_translate({0}, {1}, {2})");
  b.add("soundex", {"varchar"}, "varchar", "ar_soundex({0})");
  b.add("luhn_check", {"varchar"}, "boolean", "ar_luhn_check({0})");
  b.add("lpad", {"varchar", "bigint", "varchar"}, "varchar", "ar_lpad({0}, {1}, {2})");
  b.add("rpad", {"varchar", "bigint", "varchar"}, "varchar", "ar_rpad({0}, {1}, {2})");
  b.add("split", {"varchar", "varchar"}, "array(varchar)", "ar_split({0}, {1})");
  b.add("split", {"varchar", "varchar", "bigint"}, "array(varchar)", "ar_split_limit({0}, {1}, {2})");
  b.add("split_part", {"varchar", "varchar", "bigint"}, "varchar", "ar_split_part({0}, {1}, {2})");
  b.add("concat", {"varchar"}, "varchar", "ar_concat({*})").variadic = true;
  b.add("concat_ws", {"varchar", "varchar"}, "varchar", "concat_ws({*})").variadic = true;
  b.add(
      "concat_ws", {"varchar", "array(varchar)"}, "varchar",
      "CASE WHEN {0} IS NULL THEN NULL ELSE coalesce(array_to_string(list_filter({1}, lambda ar_s: ar_s IS NOT NULL), "
      "{0}), '') END");
  b.add("chr", {"bigint"}, "varchar", "chr(CAST({0} AS INTEGER))");
  // codepoint(varchar(1)) only, as Trino declares it (a longer or unbounded varchar does not match).
  b.add_emit("codepoint", {"varchar"}, "integer",
             [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
               if (call.params[0].precision != 1) {
                 return not_supported("function codepoint(" + to_string(call.params[0]) +
                                      ") is not supported: codepoint takes a varchar(1)");
               }
               return "CAST(unicode(" + args[0] + ") AS INTEGER)";
             });
  b.add("to_utf8", {"varchar"}, "varbinary", "encode({0})");
  b.add("from_utf8", {"varbinary"}, "varchar", "ar_from_utf8({0})");
  b.add("from_utf8", {"varbinary", "varchar"}, "varchar", "ar_from_utf8({0}, {1})");
  b.add("from_utf8", {"varbinary", "bigint"}, "varchar", "ar_from_utf8({0}, {1})");

  // URL functions (functions/url): java.net.URI's parse, as Trino's UrlFunctions.
  b.add("url_encode", {"varchar"}, "varchar", "ar_url_encode({0})");
  b.add("url_decode", {"varchar"}, "varchar", "ar_url_decode({0})");
  for (const char* part : {"protocol", "host", "path", "query", "fragment"}) {
    b.add(std::string("url_extract_") + part, {"varchar"}, "varchar", std::string("ar_url_extract_") + part + "({0})");
  }
  b.add("url_extract_port", {"varchar"}, "bigint", "ar_url_extract_port({0})");
  b.add("url_extract_parameter", {"varchar", "varchar"}, "varchar", "ar_url_extract_parameter({0}, {1})");

  // typeof (functions/conversion): Trino's name of the argument's type, known when the query is bound.
  b.add_emit("typeof", {"T"}, "varchar",
             [](const std::vector<std::string>&, const Resolved& call) -> Outcome<std::string> {
               return quote_string(to_string(call.params[0]));
             });
  b.add("uuid", {}, "uuid", "uuid()");
  b.add("format_number", {"bigint"}, "varchar", "ar_format_number({0})");
  b.add("format_number", {"double"}, "varchar", "ar_format_number({0})");
  // format(format, args...): each argument keeps its own type (one entry per count of arguments).
  {
    static constexpr std::array<const char*, 8> kVariables{"T", "U", "V", "W", "X", "Y", "Z", "TA"};
    std::vector<std::string> params{"varchar"};
    for (const char* variable : kVariables) {
      params.emplace_back(variable);
      b.add_emit("format", params, "varchar", format_call);
    }
  }

  // Binary functions: the engine's C++ (src/engine/local/functions/binary.cpp).
  b.add("concat", {"varbinary"}, "varbinary", "ar_concat({*})").variadic = true;
  for (const char* hash : {"md5", "sha1", "sha256", "sha512", "xxhash64", "murmur3"}) {
    b.add(hash, {"varbinary"}, "varbinary", std::string("ar_") + hash + "({0})");
  }
  for (const char* hmac : {"hmac_md5", "hmac_sha1", "hmac_sha256", "hmac_sha512"}) {
    b.add(hmac, {"varbinary", "varbinary"}, "varbinary", std::string("ar_") + hmac + "({0}, {1})");
  }
  b.add("crc32", {"varbinary"}, "bigint", "ar_crc32({0})");
  for (const char* name : {"substr", "substring"}) {
    b.add(name, {"varbinary", "bigint"}, "varbinary", "ar_varbinary_substr({0}, {1})");
    b.add(name, {"varbinary", "bigint", "bigint"}, "varbinary", "ar_varbinary_substr({0}, {1}, {2})");
  }
  b.add("lpad", {"varbinary", "bigint", "varbinary"}, "varbinary", "ar_varbinary_lpad({0}, {1}, {2})");
  b.add("rpad", {"varbinary", "bigint", "varbinary"}, "varbinary", "ar_varbinary_rpad({0}, {1}, {2})");
  b.add("reverse", {"varbinary"}, "varbinary", "ar_varbinary_reverse({0})");
  b.add("to_hex", {"varbinary"}, "varchar", "ar_to_hex({0})");
  b.add("from_hex", {"varchar"}, "varbinary", "ar_from_hex({0})");
  for (const char* base : {"base64", "base64url", "base32"}) {
    b.add(std::string("to_") + base, {"varbinary"}, "varchar", std::string("ar_to_") + base + "({0})");
    for (const char* input : {"varchar", "varbinary"}) {
      b.add(std::string("from_") + base, {input}, "varbinary", std::string("ar_from_") + base + "({0})");
    }
  }
  b.add("to_big_endian_32", {"integer"}, "varbinary", "ar_to_big_endian_32({0})");
  b.add("to_big_endian_64", {"bigint"}, "varbinary", "ar_to_big_endian_64({0})");
  b.add("from_big_endian_32", {"varbinary"}, "integer", "ar_from_big_endian_32({0})");
  b.add("from_big_endian_64", {"varbinary"}, "bigint", "ar_from_big_endian_64({0})");
  b.add("to_ieee754_32", {"real"}, "varbinary", "ar_to_ieee754_32({0})");
  b.add("to_ieee754_64", {"double"}, "varbinary", "ar_to_ieee754_64({0})");
  b.add("from_ieee754_32", {"varbinary"}, "real", "ar_from_ieee754_32({0})");
  b.add("from_ieee754_64", {"varbinary"}, "double", "ar_from_ieee754_64({0})");

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_split(s, d) AS CASE WHEN d = '' THEN ar_fail('The delimiter may not be the empty "
          "string') ELSE string_split(s, d) END",
          "CREATE OR REPLACE MACRO ar_split_part(s, d, i) AS CASE WHEN i <= 0 THEN ar_fail('split_part: index must be "
          "greater than zero') WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
          "CREATE OR REPLACE MACRO ar_substr(s, st) AS CASE WHEN st = 0 OR abs(st) > length(s) THEN '' ELSE substr(s, "
          "st) "
          "END, (s, st, n) AS CASE WHEN n <= 0 OR st = 0 OR "
          "abs(st) > length(s) THEN '' ELSE substr(s, st, n) END",
          "CREATE OR REPLACE MACRO ar_whitespace() AS ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || "
          "chr(28) || chr(29) || chr(30) || chr(31)",
          "CREATE OR REPLACE MACRO ar_lpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN ar_fail('Target length "
          "must "
          "be in the range [0..2147483647]') WHEN p = '' THEN ar_fail('Padding string must not be empty') ELSE lpad(s, "
          "CAST(n AS INTEGER), p) END",
          "CREATE OR REPLACE MACRO ar_rpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN ar_fail('Target length "
          "must "
          "be in the range [0..2147483647]') WHEN p = '' THEN ar_fail('Padding string must not be empty') ELSE rpad(s, "
          "CAST(n AS INTEGER), p) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
