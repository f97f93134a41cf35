using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dreaming.Tests.Fuzz;

/// <summary>Seeded mutations of valid inputs for the parser fuzz tests: truncations, flips, inserted and removed brackets and
/// quotes, deep nesting, huge numbers, NaN and Infinity, half surrogate pairs (raw and escaped), control characters, BOMs,
/// long runs, empty and null values, duplicated spans. The same seed gives the same cases.</summary>
internal sealed class InputMutator(int seed)
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "\"", "\\", ",", ":", "(", ")", "null", "true", "NaN", "Infinity", "-Infinity", "1e400", "-1e400",
        "99999999999999999999999999999", "-0", "4.9e-324", "2147483648", "-2147483649", "\\ud800", "\\udc00", "\\uDBFF\\uDBFF",
        "\ud800", "\udc00", "\0", "\u0001", "\u001f", "\u007f", "\uFEFF", "\u00A0", "\u2028", "\r", "\n", "\r\n", "\t", "{}", "[]",
        "\"\"", "{\"a\":1}", "\"x\":null", "#", "# ", "## ", "- ", "* ", "```", "~~~", "[regex: ", "[contains: \"", "(weight: ",
        "(id: ", "(required)", "\\\"", "\\\\", "/*", "//", "é", "😀",
    ];

    private readonly Random _random = new(seed);

    /// <summary>Every prefix of <paramref name="input"/>, then the input without each single character.</summary>
    public static IEnumerable<string> Truncations(string input)
    {
        for (var i = 0; i <= input.Length; i++)
        {
            yield return input[..i];
        }

        for (var i = 0; i < input.Length; i++)
        {
            yield return input.Remove(i, 1);
        }
    }

    /// <summary>Gets <paramref name="count"/> mutants, each of a seed picked at random.</summary>
    public IEnumerable<string> Mutants(IReadOnlyList<string> seeds, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Mutate(seeds[_random.Next(seeds.Count)]);
        }
    }

    /// <summary>Applies one to three random mutations.</summary>
    public string Mutate(string input)
    {
        var text = new StringBuilder(input);
        var steps = 1 + _random.Next(3);
        for (var step = 0; step < steps; step++)
        {
            var at = _random.Next(text.Length + 1);
            switch (_random.Next(12))
            {
                case 0:
                    text.Length = at;
                    break;
                case 1 or 2 or 3:
                    text.Insert(at, Tokens[_random.Next(Tokens.Length)]);
                    break;
                case 4 when text.Length > 0:
                    text.Remove(Math.Min(at, text.Length - 1), Math.Min(1 + _random.Next(8), text.Length - Math.Min(at, text.Length - 1)));
                    break;
                case 5 when at < text.Length:
                    text[at] = (char)_random.Next(0, 0x80);
                    break;
                case 6 when at < text.Length:
                    var length = Math.Min(1 + _random.Next(40), text.Length - at);
                    text.Insert(at, text.ToString(at, length));
                    break;
                case 7:
                    var depth = 1 + _random.Next(2000);
                    var open = _random.Next(2) == 0 ? "[" : "{\"a\":";
                    text.Insert(at, string.Concat(Enumerable.Repeat(open, depth)));
                    break;
                case 8:
                    text.Insert(at, new string("a \"[({\\-#0é"[_random.Next(11)], 1 + _random.Next(70_000)));
                    break;
                case 9:
                    ReplaceValue(text, at);
                    break;
                case 10 when text.Length > 0:
                    var here = text[Math.Min(at, text.Length - 1)];
                    text.Insert(at, "[]{}()\"".Contains(here, StringComparison.Ordinal) ? here.ToString() : "\"");
                    break;
                default:
                    text.Insert(at, Tokens[_random.Next(Tokens.Length)]);
                    break;
            }
        }

        return text.ToString();
    }

    // Replaces the value after the next ':' with null, an empty object or array, or a number.
    private void ReplaceValue(StringBuilder text, int at)
    {
        var s = text.ToString();
        var colon = s.IndexOf(':', Math.Min(at, s.Length));
        if (colon < 0)
        {
            return;
        }

        var end = colon + 1;
        while (end < s.Length && s[end] is not (',' or '}' or ']'))
        {
            end++;
        }

        string[] values = ["null", "{}", "[]", "0", "-1", "1e400", "\"\"", "[null]", "[{}]", "true", "\"\\ud800\""];
        text.Remove(colon + 1, end - colon - 1).Insert(colon + 1, values[_random.Next(values.Length)]);
    }
}

/// <summary>Runs a parser over inputs and collects every exception its contract does not allow, one example per type.</summary>
internal static class FuzzRunner
{
    /// <summary>A number from the environment (FUZZ_SEED, FUZZ_COUNT) for a longer search by hand; the default otherwise,
    /// so the tests are deterministic.</summary>
    public static int Setting(string name, string fallback) =>
        int.Parse(Environment.GetEnvironmentVariable(name) ?? fallback, CultureInfo.InvariantCulture);

    public static int Run(IEnumerable<string> inputs, Action<string> parse, Func<Exception, bool> allowed, List<string> failures)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        var slowest = TimeSpan.Zero;
        string? slowestInput = null;
        foreach (var input in inputs)
        {
            count++;
            var watch = Stopwatch.StartNew();
            try
            {
                parse(input);
            }
            catch (Exception ex) when (!allowed(ex))
            {
                // Not what the contract allows: one example of each type and place is kept.
                var key = ex.GetType().FullName + " " + ex.TargetSite?.Name;
                if (seen.Add(key) && failures.Count < 20)
                {
                    failures.Add($"{ex.GetType().FullName} for input {Escape(input)}: {ex.Message}\n{ex.StackTrace}");
                }
            }
            catch (Exception)
            {
                // The documented exception: the input was refused as the contract says.
            }

            if (watch.Elapsed > slowest)
            {
                slowest = watch.Elapsed;
                slowestInput = input;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: {count} cases, slowest {slowest.TotalMilliseconds:F0} ms for {Escape(slowestInput ?? string.Empty)}"));
        return count;
    }

    /// <summary>The input as a C# literal's content, cut to 300 characters.</summary>
    public static string Escape(string input)
    {
        var text = new StringBuilder("\"");
        foreach (var c in input.Length > 300 ? input[..300] : input)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < 0x20 || char.IsSurrogate(c) || c > 0x7e => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return text.Append(input.Length > 300 ? string.Create(CultureInfo.InvariantCulture, $"\"… ({input.Length} chars)") : "\"").ToString();
    }
}
