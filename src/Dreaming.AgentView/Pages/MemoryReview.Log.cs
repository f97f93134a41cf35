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

    /// <summary>A recorded value as a log line may hold it: each control character (a line break would start a line of its
    /// own, an escape sequence rewrite the terminal) written as <c>\uXXXX</c>; the value itself when it holds none.</summary>
    /// <param name="value">The value.</param>
    public static string OneLine(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }

        var line = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = char.IsControl(c) ? line.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : line.Append(c);
        }

        return line.ToString();
    }

    /// <summary>Why a reviewer name cannot be logged and recorded as one line of text, as the CLI refuses its <c>--by</c>:
    /// a control character, a line or paragraph separator, a bidirectional override or isolate, or half a surrogate pair;
    /// <see langword="null"/> for a name in any script, with combining marks or emoji.</summary>
    /// <param name="name">The name.</param>
    public static string? NameProblem(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;   // a whole character outside the BMP (an emoji)
                continue;
            }

            var what = c switch
            {
                _ when char.IsControl(c) => "the control character",
                '\u2028' or '\u2029' => "the line break",
                >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' => "the bidirectional override or isolate",
                _ when char.IsSurrogate(c) => "half a character (an unpaired surrogate)",
                _ => null,
            };
            if (what is not null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{what} U+{(int)c:X4} at index {i}");
            }
        }

        return null;
    }

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
