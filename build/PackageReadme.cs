// The README.md that 'dotnet pack' puts in every package (Directory.Build.props, target DreamingPackageReadme): nuget.org
// shows it on its own, and the packages name no repository to resolve a relative link against, so each link or image to a
// file beside the README is written as text naming the file. Compiled by the pack (RoslynCodeTaskFactory) and by
// Dreaming.Core.Tests (PackagingTests, with DREAMING_README_TESTS defined), so the two cannot differ.
#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

#if !DREAMING_README_TESTS
/// <summary>Writes <see cref="Destination"/>: <see cref="Source"/> as <see cref="Dreaming.Build.PackageReadme.Rewrite"/>
/// writes it, unchanged on disk when the text is the same (so an incremental pack does not repack).</summary>
public sealed class DreamingWritePackageReadme : Microsoft.Build.Utilities.Task
{
    /// <summary>Gets or sets the repository's README.md.</summary>
    [Microsoft.Build.Framework.Required]
    public string Source { get; set; } = string.Empty;

    /// <summary>Gets or sets the README.md to pack.</summary>
    [Microsoft.Build.Framework.Required]
    public string Destination { get; set; } = string.Empty;

    /// <inheritdoc />
    public override bool Execute()
    {
        var text = Dreaming.Build.PackageReadme.Rewrite(File.ReadAllText(Source));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Destination))!);
        if (!File.Exists(Destination) || File.ReadAllText(Destination) != text)
        {
            File.WriteAllText(Destination, text);
        }

        return true;
    }
}
#endif

namespace Dreaming.Build
{
    /// <summary>Rewrites a README for a package page that resolves no relative link.</summary>
    public static class PackageReadme
    {
        // A link destination, <in angle brackets> or without spaces, then an optional title ("t", 't' or (t)).
        private const string Destination = @"\s*(?<dest><[^>\n]*>|[^\s()<>]+)(?:\s+(?:""[^""\n]*""|'[^'\n]*'|\([^)\n]*\)))?\s*";

        // A link's text: brackets inside it balanced ([a [b] c], or an image's [![alt](src)]), over a line break of its
        // paragraph but not a blank line; code spans and escapes are hidden before (Protect), so a ']' in them is not seen.
        private const string Text = @"(?:[^\[\]\n]|\n(?![ \t\r]*(?:\n|$))|(?<open>\[)|(?<-open>\]))";
        private const string LinkText = @"\[(?<text>" + Text + @"+(?(open)(?!)))\]";
        private const string AltText = @"\[(?<text>" + Text + @"*(?(open)(?!)))\]";
        private const string Reference = @"\[(?<label>(?:[^\[\]\n]|\n(?![ \t\r]*(?:\n|$)))*)\]";

        // The stand-ins for code spans and backslash escapes while links are rewritten: private-use characters.
        private const char HiddenStart = '\uE000';
        private const char HiddenEnd = '\uE001';

        private static readonly Regex Fence = new(@"^[ \t]*(`{3,}|~{3,})", RegexOptions.CultureInvariant);
        private static readonly Regex Definition = new(@"^ {0,3}\[(?<label>[^\]\n]+)\]:[ \t]*(?<dest><[^>\n]*>|[^\s<>]+)(?:[ \t]+(?:""[^""\n]*""|'[^'\n]*'|\([^)\n]*\)))?[ \t]*(?:\r?\n|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        private static readonly Regex InlineImage = new(@"!" + AltText + @"\(" + Destination + @"\)", RegexOptions.CultureInvariant);
        private static readonly Regex ReferenceImage = new(@"!" + AltText + @"(?:" + Reference + @")?(?![(:])", RegexOptions.CultureInvariant);
        private static readonly Regex InlineLink = new(@"(?<!!)" + LinkText + @"\(" + Destination + @"\)", RegexOptions.CultureInvariant);
        private static readonly Regex ReferenceLink = new(@"(?<![!\]])" + LinkText + @"(?:" + Reference + @")?(?![(:])", RegexOptions.CultureInvariant);
        private static readonly Regex Scheme = new(@"^(?:[A-Za-z][A-Za-z0-9+.\-]*:|//|#)", RegexOptions.CultureInvariant);
        private static readonly Regex Space = new(@"\s+", RegexOptions.CultureInvariant);
        private static readonly Regex BlankLine = new(@"\n[ \t]*(?:\r?\n|$)", RegexOptions.CultureInvariant);
        private static readonly Regex Hidden = new("\uE000(?<index>[0-9]+)\uE001", RegexOptions.CultureInvariant);

        /// <summary>Returns <paramref name="readme"/> with each link to a file beside it (not a web address, nor another
        /// scheme's, nor an anchor of the page) written as its text and the file named, <c>scopes (`docs/memory.md#scopes`)</c>,
        /// and each such image, which nuget.org cannot show, as its alt text and the file named,
        /// <c>the flow (image `docs/flow.png`)</c>: inline (<c>[t](path)</c>, with a title or not), reference-style
        /// (<c>[t][ref]</c>, <c>[t][]</c>, <c>[t]</c>, whose definition <c>[ref]: path</c> is then left out) and images of both
        /// forms. A link's text may hold balanced brackets (an image: <c>[![alt](src)](LICENSE)</c>), code spans and a line
        /// break of its paragraph. Links to web addresses, code spans, backslash-escaped brackets and fenced code blocks (a
        /// list item's too) are left as they are; no address is made up.</summary>
        /// <param name="readme">The README's text.</param>
        /// <returns>The text to pack.</returns>
        public static string Rewrite(string readme)
        {
            // Code spans and backslash escapes are hidden while links are found (a code span shows "[t](docs/x.md)" as it is,
            // "\[t\]" is no link), unless the text holds the stand-ins' characters itself.
            var hidden = readme.IndexOfAny(new[] { HiddenStart, HiddenEnd }) < 0 ? new List<string>() : null;
            var chunks = Chunks(readme);
            var definitions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < chunks.Count; i++)
            {
                if (!chunks[i].Code)
                {
                    var text = hidden is null ? chunks[i].Text : Protect(chunks[i].Text, hidden);
                    chunks[i] = (false, text);
                    foreach (Match match in Definition.Matches(text))
                    {
                        // The first definition of a label is the one Markdown uses.
                        var label = Label(Restore(match.Groups["label"].Value, hidden));
                        if (!definitions.TryGetValue(label, out _))
                        {
                            definitions[label] = Unbracketed(match.Groups["dest"].Value);
                        }
                    }
                }
            }

            var output = new StringBuilder(readme.Length);
            foreach (var (code, text) in chunks)
            {
                output.Append(code ? text : Restore(RewriteProse(text, definitions, hidden), hidden));
            }

            return output.ToString();
        }

        private static string RewriteProse(string text, Dictionary<string, string> definitions, List<string>? hidden)
        {
            text = Definition.Replace(text, match => IsRelative(Unbracketed(match.Groups["dest"].Value)) ? string.Empty : match.Value);
            text = InlineImage.Replace(text, match => Relative(match) is { } path ? Image(match.Groups["text"].Value, path) : match.Value);
            text = ReferenceImage.Replace(text, match => Referenced(match, definitions, hidden) is { } path ? Image(match.Groups["text"].Value, path) : match.Value);
            text = InlineLink.Replace(text, match => Relative(match) is { } path ? Link(match.Groups["text"].Value, path) : match.Value);
            return ReferenceLink.Replace(text, match => Referenced(match, definitions, hidden) is { } path ? Link(match.Groups["text"].Value, path) : match.Value);
        }

        // The prose with each code span (`a`, ``a ` b``, closed by a run of as many backticks in its paragraph) and each
        // backslash escape (\[, \], \( ...) replaced by a stand-in (HiddenStart, its index in hidden, HiddenEnd).
        private static string Protect(string text, List<string> hidden)
        {
            var output = new StringBuilder(text.Length);
            var i = 0;
            while (i < text.Length)
            {
                if (text[i] == '\\' && i + 1 < text.Length && IsPunctuation(text[i + 1]))
                {
                    Hide(output, text.Substring(i, 2), hidden);
                    i += 2;
                }
                else if (text[i] == '`')
                {
                    var run = Run(text, i);
                    var paragraph = BlankLine.Match(text, i) is { Success: true } blank ? blank.Index : text.Length;
                    var close = i + run;
                    while ((close = text.IndexOf('`', close)) >= 0 && close < paragraph && Run(text, close) != run)
                    {
                        close += Run(text, close);
                    }

                    if (close >= 0 && close < paragraph)
                    {
                        Hide(output, text.Substring(i, close + run - i), hidden);
                        i = close + run;
                    }
                    else
                    {
                        output.Append(text, i, run);
                        i += run;
                    }
                }
                else
                {
                    output.Append(text[i]);
                    i++;
                }
            }

            return output.ToString();
        }

        // The ASCII punctuation a backslash escapes: !"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~.
        private static bool IsPunctuation(char c) => c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~');

        private static int Run(string text, int start)
        {
            var end = start;
            while (end < text.Length && text[end] == '`')
            {
                end++;
            }

            return end - start;
        }

        private static void Hide(StringBuilder output, string text, List<string> hidden)
        {
            output.Append(HiddenStart).Append(hidden.Count.ToString(CultureInfo.InvariantCulture)).Append(HiddenEnd);
            hidden.Add(text);
        }

        private static string Restore(string text, List<string>? hidden) =>
            hidden is null || hidden.Count == 0 ? text : Hidden.Replace(text, match => hidden[int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture)]);

        private static string Link(string text, string path) => text + " (`" + path + "`)";

        private static string Image(string alt, string path) => alt.Trim().Length == 0 ? "(image `" + path + "`)" : alt + " (image `" + path + "`)";

        private static string? Relative(Match match)
        {
            var path = Unbracketed(match.Groups["dest"].Value);
            return IsRelative(path) ? path : null;
        }

        // The path of a reference's definition when it is a file beside the README: [t][ref], or [t][] and [t] by the text.
        private static string? Referenced(Match match, Dictionary<string, string> definitions, List<string>? hidden)
        {
            var label = match.Groups["label"].Success && match.Groups["label"].Value.Trim().Length > 0 ? match.Groups["label"].Value : match.Groups["text"].Value;
            return definitions.TryGetValue(Label(Restore(label, hidden)), out var path) && IsRelative(path) ? path : null;
        }

        private static bool IsRelative(string destination) => destination.Length > 0 && !Scheme.IsMatch(destination);

        private static string Unbracketed(string destination) =>
            destination.Length >= 2 && destination[0] == '<' && destination[destination.Length - 1] == '>' ? destination.Substring(1, destination.Length - 2).Trim() : destination;

        // Reference labels match without regard to case or runs of white space.
        private static string Label(string label) => Space.Replace(label.Trim(), " ");

        // The text cut into prose and fenced code blocks (``` or ~~~, indented or not as in a list item, closed by a fence of the
        // same kind at least as long).
        private static List<(bool Code, string Text)> Chunks(string text)
        {
            var chunks = new List<(bool Code, string Text)>();
            var current = new StringBuilder();
            string? fence = null;
            var start = 0;
            while (start < text.Length)
            {
                var end = text.IndexOf('\n', start);
                end = end < 0 ? text.Length : end + 1;
                var line = text.Substring(start, end - start);
                var opening = Fence.Match(line);
                if (fence is null && opening.Success)
                {
                    chunks.Add((false, current.ToString()));
                    current.Clear();
                    fence = opening.Groups[1].Value;
                    current.Append(line);
                }
                else if (fence is not null && opening.Success && opening.Groups[1].Value[0] == fence[0] && opening.Groups[1].Value.Length >= fence.Length
                    && line.Trim().Length == opening.Groups[1].Value.Length)
                {
                    current.Append(line);
                    chunks.Add((true, current.ToString()));
                    current.Clear();
                    fence = null;
                }
                else
                {
                    current.Append(line);
                }

                start = end;
            }

            chunks.Add((fence is not null, current.ToString()));
            return chunks;
        }
    }
}
