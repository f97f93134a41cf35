using System.Globalization;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>Reads a <see cref="Rubric"/> written in Markdown, so the rubrics people already write for hosted graders can be reused.</summary>
/// <remarks>
/// <para>The syntax, line by line:</para>
/// <list type="bullet">
/// <item><description><c># Title</c>: the title (required, once).</description></item>
/// <item><description><c>Pass threshold: 0.75</c>, <c>Aggregation: minimum</c>, <c>Id: name</c>, <c>Version: 2</c>: settings,
/// at most once each, keys in any case. Without <c>Id:</c> the id is the source's file name without its extension; the
/// version defaults to 1; the aggregation (<c>weighted_mean</c> or <c>minimum</c>, in any case, with <c>_</c>, <c>-</c> or a
/// space: see <see cref="RubricAggregationNames.TryParse"/>) defaults to the weighted mean. An <c>Aggregation:</c> line
/// whose value is three words or more and not a known name (<c>Aggregation: the totals are summed per month.</c>) is text,
/// as it was before the setting existed: description, or ignored; one or two unknown words (<c>Aggregation: median</c>)
/// are an error.</description></item>
/// <item><description><c>## Section</c>: the section of the criteria that follow. Bullets before any section have none.</description></item>
/// <item><description><c>- criterion</c> (or <c>* </c>, <c>+ </c>, nested or not): one criterion, on one line. <c>(weight: N)</c>,
/// <c>(required)</c> and <c>(id: name)</c> annotate it anywhere in the line and are removed from its text. A trailing
/// <c>[kind: argument]</c> makes it deterministic: <c>contains</c>, <c>contains-i</c>, <c>not-contains</c>, <c>equals</c>,
/// <c>equals-i</c> take quoted text (<c>\"</c> and <c>\\</c> escape); <c>regex</c> takes the rest of the bracket
/// (brackets inside must balance or be escaped); <c>json</c> takes nothing; <c>json-schema</c> a file path, relative
/// to the base directory; <c>max-length</c> and <c>min-length</c> a whole number of characters. Without a bracket the
/// grader model judges it.</description></item>
/// <item><description>The paragraphs between the title and the first section or bullet become the
/// <see cref="Rubric.Description"/>. Other lines, deeper headings and fenced code blocks are ignored.</description></item>
/// </list>
/// <para>Criteria ids are the section's slug and the position in it (<c>content-1</c>), <c>criterion-N</c> outside a section,
/// unless <c>(id: name)</c> gives one. Anything malformed throws a <see cref="RubricException"/> with the line and what is
/// wrong; regexes are compiled and schema files loaded while parsing, so a rubric that loads can be applied.</para>
/// </remarks>
public static partial class MarkdownRubricParser
{
    /// <summary>Parses a Markdown rubric.</summary>
    /// <param name="markdown">The Markdown text; a leading byte order mark (U+FEFF) is ignored.</param>
    /// <param name="sourceName">The file or source name, used in error messages and, without its extension, as the default id.</param>
    /// <param name="baseDirectory">The folder <c>json-schema</c> paths are resolved against; the current directory when <see langword="null"/>.</param>
    /// <returns>The rubric.</returns>
    /// <exception cref="RubricException">The rubric is malformed or breaks a rule; <see cref="RubricException.Line"/> says where.</exception>
    public static Rubric Parse(string markdown, string sourceName = "rubric.md", string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(sourceName);

        // A byte order mark left by a decoder that kept it (File.ReadAllText drops it) is not part of the title.
        if (markdown.StartsWith('\uFEFF'))
        {
            markdown = markdown[1..];
        }

        return new Reader(sourceName, baseDirectory is null ? null : Path.GetFullPath(baseDirectory)).Read(markdown);
    }

    /// <summary>Reads and parses a Markdown rubric file; <c>json-schema</c> paths are resolved against the file's folder.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rubric.</returns>
    /// <exception cref="RubricException">The rubric is malformed or breaks a rule; <see cref="RubricException.Line"/> says where.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/> (or no folder it names, or it
    /// goes through a file as if it were a folder, which the message names); the message gives the path as given and, for
    /// a relative one, the current directory it is relative to and the full path, and
    /// <see cref="FileNotFoundException.FileName"/> is the full path.</exception>
    /// <exception cref="IOException">The file cannot be read, or <paramref name="path"/> is a folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static Task<Rubric> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return LoadAsync(path, Directory.GetCurrentDirectory(), "the current directory", path, cancellationToken);
    }

    /// <summary>Reads and parses a Markdown rubric file whose path may be relative to <paramref name="baseDirectory"/>,
    /// which the messages call <paramref name="baseName"/> (<c>the plan's base directory</c>); its errors name it
    /// <paramref name="sourceName"/>.</summary>
    internal static async Task<Rubric> LoadAsync(string path, string baseDirectory, string baseName, string sourceName, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(path, baseDirectory);

        // Reading a folder fails with "Access to the path is denied" on Unix, which sends its reader to the permissions.
        if (Directory.Exists(fullPath))
        {
            throw new IOException($"'{path}' is a folder, not a rubric file.");
        }

        string markdown;
        try
        {
            markdown = await File.ReadAllTextAsync(fullPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // .NET says "Could not find file '<full path>'" (or "a part of the path"): the reader of a relative path is
            // not told what it was relative to, and a missing folder reads as a missing file.
            throw new FileNotFoundException(MissingFileMessage(path, fullPath, baseDirectory, baseName), fullPath, ex);
        }

        return Parse(markdown, sourceName, Path.GetDirectoryName(fullPath));
    }

    private static string MissingFileMessage(string path, string fullPath, string baseDirectory, string baseName)
    {
        var message = Path.IsPathFullyQualified(path)
            ? $"No rubric file at '{path}'"
            : $"No rubric file at '{path}' (relative to {baseName} '{baseDirectory}': '{fullPath}')";
        var folder = Path.GetDirectoryName(fullPath);
        if (folder is null || Directory.Exists(folder))
        {
            return message + ".";
        }

        // A path through a file (rubric.md/refund.md, rubric.md a file): "its folder does not exist" sent the reader to
        // look for a folder that is there, as a file.
        for (var ancestor = folder; ancestor is not null && !Directory.Exists(ancestor); ancestor = Path.GetDirectoryName(ancestor))
        {
            if (File.Exists(ancestor))
            {
                return $"{message}; '{ancestor}' is a file, not a folder.";
            }
        }

        return $"{message}; its folder '{folder}' does not exist either.";
    }

    private sealed class Reader(string source, string? baseDirectory)
    {
        private readonly List<RubricCriterion> _criteria = [];
        private readonly List<int> _criterionLines = [];
        private readonly CriterionIdAllocator _ids = new();
        private readonly List<string> _description = [];
        private readonly List<string> _paragraph = [];
        private readonly Dictionary<string, (string Value, int Line)> _settings = new(StringComparer.OrdinalIgnoreCase);
        private string? _title;
        private int _titleLine;
        private string? _section;
        private int _fenceLine;
        private bool _pastDescription;

        public Rubric Read(string markdown)
        {
            var number = 0;
            foreach (var rawLine in markdown.AsSpan().EnumerateLines())
            {
                number++;
                ReadLine(rawLine.Trim().ToString(), number);
            }

            if (_fenceLine > 0)
            {
                throw new RubricException(source, _fenceLine, "the code fence opened here is never closed");
            }

            if (_title is null)
            {
                throw new RubricException(source, 1, "the rubric has no '# ' title");
            }

            EndParagraph();
            var rubric = new Rubric
            {
                Id = Setting("id") ?? Path.GetFileNameWithoutExtension(source),
                Version = Setting("version") is { } version ? int.Parse(version, CultureInfo.InvariantCulture) : 1,
                Title = _title,
                Description = _description.Count == 0 ? null : string.Join("\n\n", _description),
                PassThreshold = Setting("pass threshold") is { } threshold ? double.Parse(threshold, CultureInfo.InvariantCulture) : 1.0,
                Aggregation = Setting("aggregation") is { } aggregation && RubricAggregationNames.TryParse(aggregation, out var parsed)
                    ? parsed
                    : RubricAggregation.WeightedMean,
                Criteria = [.. _criteria],
                BaseDirectory = baseDirectory,
            };
            if (RubricValidator.FindProblem(rubric) is { } problem)
            {
                var line = problem.CriterionIndex is int index ? _criterionLines[index] : _titleLine;
                throw new RubricException(source, line, problem.Message);
            }

            return rubric;
        }

        private void ReadLine(string line, int number)
        {
            if (line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("~~~", StringComparison.Ordinal))
            {
                _fenceLine = _fenceLine == 0 ? number : 0;
                EndParagraph();
            }
            else if (_fenceLine > 0)
            {
                return;
            }
            else if (line.Length == 0 || ThematicBreakPattern().IsMatch(line))
            {
                EndParagraph();
            }
            else if (line == "#" || line.StartsWith("# ", StringComparison.Ordinal))
            {
                ReadTitle(line[1..].Trim(), number);
            }
            else if (line == "##" || line.StartsWith("## ", StringComparison.Ordinal))
            {
                _section = line[2..].Trim();
                _pastDescription = true;
                if (_section.Length == 0)
                {
                    throw new RubricException(source, number, "the '## ' section heading is empty");
                }
            }
            else if (line.StartsWith('#'))
            {
                EndParagraph();
            }
            else if (line is "-" or "*" or "+" || BulletPattern().IsMatch(line))
            {
                _pastDescription = true;
                AddCriterion(line[1..], number);
            }
            else if (SettingPattern().Match(line) is { Success: true } setting && !IsText(setting))
            {
                EndParagraph();
                ReadSetting(setting.Groups["key"].Value, setting.Groups["value"].Value.Trim(), number);
            }
            else if (_title is not null && !_pastDescription)
            {
                _paragraph.Add(line);
            }
        }

        // 'Aggregation' is a word rubrics written before it was a setting begin lines of text with ("Aggregation: the totals
        // are summed per month."), which were description or ignored: such a line, of three words or more and not a known
        // name, stays text. A name has at most two words, so up to two (a misspelt name such as "median" or "weighted
        // mean.", refused by ReadSetting) or nothing is the setting.
        private static bool IsText(Match setting) =>
            setting.Groups["key"].Value.Equals("aggregation", StringComparison.OrdinalIgnoreCase)
            && setting.Groups["value"].Value.Trim() is var value
            && !RubricAggregationNames.TryParse(value, out _)
            && value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length >= 3;

        private void ReadTitle(string title, int number)
        {
            if (_title is not null)
            {
                throw new RubricException(source, number, $"a second '# ' title; the title is set on line {_titleLine}, use '## ' for sections");
            }

            if (title.Length == 0)
            {
                throw new RubricException(source, number, "the '# ' title is empty");
            }

            _title = title;
            _titleLine = number;
        }

        private void ReadSetting(string key, string value, int number)
        {
            var name = WhitespacePattern().Replace(key.ToLowerInvariant(), " ");
            if (_settings.TryGetValue(name, out var earlier))
            {
                throw new RubricException(source, number, $"'{key}' is set twice; it is first set on line {earlier.Line}");
            }

            var problem = name switch
            {
                "pass threshold" => ThresholdProblem(value),
                "aggregation" => RubricAggregationNames.TryParse(value, out _)
                    ? null
                    : $"aggregation \"{value}\" is unknown; known: {RubricAggregationNames.WeightedMean}, {RubricAggregationNames.Minimum}",
                "version" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1
                    ? null
                    : $"version \"{value}\" must be a whole number, 1 or more",
                _ => value.Length == 0 ? "the id is empty" : null,
            };
            if (problem is not null)
            {
                throw new RubricException(source, number, problem);
            }

            _settings[name] = (value, number);
        }

        private void AddCriterion(string content, int number)
        {
            var bullet = MarkdownBulletParser.Parse(content, source, number);
            var position = _ids.Next(_section);
            _criteria.Add(new RubricCriterion
            {
                Id = bullet.Id ?? position,
                Text = bullet.Text,
                Section = _section,
                Weight = bullet.Weight,
                Required = bullet.Required,
                Kind = bullet.Kind,
                Argument = bullet.Argument,
                IgnoreCase = bullet.IgnoreCase,
            });
            _criterionLines.Add(number);
        }

        private void EndParagraph()
        {
            if (_paragraph.Count > 0)
            {
                _description.Add(string.Join(' ', _paragraph));
                _paragraph.Clear();
            }
        }

        private static string? ThresholdProblem(string value)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) || !double.IsFinite(threshold))
            {
                return $"pass threshold \"{value}\" is not a number";
            }

            return threshold is < 0 or > 1 ? $"pass threshold {value} is outside 0..1" : null;
        }

        private string? Setting(string name) => _settings.TryGetValue(name, out var setting) ? setting.Value : null;
    }

    [GeneratedRegex(@"^[-*+]\s")]
    private static partial Regex BulletPattern();

    [GeneratedRegex(@"^(?:[-*_]\s*){3,}$")]
    private static partial Regex ThematicBreakPattern();

    [GeneratedRegex(@"^(?<key>pass\s+threshold|aggregation|id|version)\s*:(?<value>.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SettingPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
