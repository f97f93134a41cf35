using System.Buffers;
using System.Globalization;
using System.Text;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming.AgentView.Pages;

/// <summary>The audit log of the view's actions: each review, replay and endpoint change is logged under
/// <see cref="LogCategory"/> with the user's name, on one line.</summary>
internal sealed partial class MemoryReview
{
    /// <summary>The log category of the view's actions.</summary>
    public const string LogCategory = "Dreaming.AgentView";

    /// <summary>The app's logger of the view's actions (none when the app has no logging).</summary>
    /// <param name="view">The request.</param>
    public static ILogger Logger(AgentViewContext view) =>
        view.Http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(LogCategory) ?? NullLogger.Instance;

    // What one line of text must not hold, as the CLI's Text.OneLine and its audit fields (--by, --note) see it: the C0 and
    // C1 controls and DEL, the Unicode line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
    private static readonly SearchValues<char> s_notOneLine = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary>A recorded value as a log line may hold it: each control character (a line break would start a line of its
    /// own, an escape sequence rewrite the terminal), line or paragraph separator (U+2028, U+2029) and bidirectional
    /// control (which would reorder what follows it) written as <c>\uXXXX</c>; the value itself when it holds none.</summary>
    /// <param name="value">The value.</param>
    public static string OneLine(string value)
    {
        if (!value.AsSpan().ContainsAny(s_notOneLine))
        {
            return value;
        }

        var line = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = s_notOneLine.Contains(c) ? line.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : line.Append(c);
        }

        return line.ToString();
    }

    /// <summary>A free text a person typed (a reason) on one line: each character <see cref="OneLine"/> escapes becomes a
    /// space.</summary>
    /// <param name="value">The text.</param>
    public static string Flat(string value) =>
        value.AsSpan().ContainsAny(s_notOneLine) ? string.Concat(value.Select(c => s_notOneLine.Contains(c) ? ' ' : c)) : value;

    /// <summary>Why a reviewer name cannot be logged and recorded as one line of text, as the CLI refuses its <c>--by</c>:
    /// a control character, a line or paragraph separator, a bidirectional override or isolate, or half a surrogate pair;
    /// <see langword="null"/> for a name in any script, with combining marks or emoji.</summary>
    /// <param name="name">The name.</param>
    public static string? NameProblem(string name) => OneLineTextProblem.Of(name);

    private static void LogReview(AgentViewContext view, string reviewer, string action, string versionId, MemoryVersion result)
    {
        var logger = Logger(view);
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var scope = OneLine(result.Scope.Key);
        switch (action)
        {
            case "approve":
                LogApproved(logger, reviewer, result.Id, result.Number, scope);
                break;
            case "reject":
                LogRejected(logger, reviewer, result.Id, result.Number, scope);
                break;
            default:
                LogRolledBack(logger, reviewer, scope, versionId, result.Id, result.Number);
                break;
        }
    }

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{User} approved memory version {VersionId} (#{Number} of {Scope}) from the agent view.")]
    private static partial void LogApproved(ILogger logger, string user, string versionId, int number, string scope);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "{User} rejected memory version {VersionId} (#{Number} of {Scope}) from the agent view.")]
    private static partial void LogRejected(ILogger logger, string user, string versionId, int number, string scope);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{User} rolled {Scope} back to memory version {RestoredVersionId} from the agent view: the active version is now {VersionId} (#{Number}).")]
    private static partial void LogRolledBack(ILogger logger, string user, string scope, string restoredVersionId, string versionId, int number);
}
