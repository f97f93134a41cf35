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
