using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>The rendering of each event type: short fields on a line (<c>&lt;span class="field" data-field="…"&gt;</c>),
/// then the long texts (messages, arguments, results, errors) folded when long.</summary>
internal static partial class SessionTimeline
{
    private static readonly string NoResultWithinReach = string.Create(CultureInfo.InvariantCulture, $"no result in the next {SessionDetailPage.PairReach:N0} tool events");

    private static readonly string NoCallWithinReach = string.Create(CultureInfo.InvariantCulture, $"no call in the {SessionDetailPage.PairReach:N0} events before");

    private static void WriteDetails(HtmlWriter html, AgentViewContext view, SessionRecord session, SessionEvent e, Window window, LongTextWriter texts)
    {
        switch (e)
        {
            case MessageEvent m:
                Field(html, "author", "by", m.AuthorName);
                texts.Write(html, m.Text, "message message-" + SafeClass(m.Role));
                break;
            case ModelResponseEvent r:
                Field(html, "model", "model", r.ModelId);
                Field(html, "latency", "latency", string.Create(CultureInfo.InvariantCulture, $"{r.Latency.TotalMilliseconds:N0} ms"));
                Field(html, "tokens", "tokens", Tokens(r.Usage));
                Field(html, "finish", "finish", r.FinishReason);
                Field(html, "streaming", null, r.Streaming ? "streamed" : null);
                Field(html, "response-id", "response", r.ResponseId);
                break;
            case ToolCallEvent c:
                Field(html, "tool", "tool", c.ToolName);
                Field(html, "call-id", "call", c.CallId);
                PairLink(html, c.Sequence, window, "result", window.AllResults ? "no result recorded" : NoResultWithinReach);
                if (c.ArgumentsError is not null)
                {
                    html.Open("p", "failure").Text("Arguments not read: ").Cut(c.ArgumentsError, MemoryHtml.MaxTextLength).Close("p");
                }

                texts.Write(html, c.Arguments, "arguments");
                break;
            case ToolResultEvent r:
                Field(html, "tool", "tool", r.ToolName);
                Field(html, "call-id", "call", r.CallId);
                PairLink(html, r.Sequence, window, "call", window.AllCalls ? "no call recorded" : NoCallWithinReach);
                if (r.IsError)
                {
                    var rejected = string.Equals(r.ErrorType, ToolResultEvent.RejectedErrorType, StringComparison.Ordinal);
                    html.Open("p", "failure").Text(rejected ? "Refused" : "Failed").Text(r.ErrorType is null || rejected ? string.Empty : ": ").Short(rejected ? null : r.ErrorType).Close("p");
                    texts.Write(html, r.ErrorMessage, "failure");
                }

                texts.Write(html, r.Result, "result");
                break;
            case ErrorEvent x:
                Field(html, "error-type", null, x.IsCancellation ? "cancelled" : x.ErrorType);
                Field(html, "operation", "operation", x.Operation);
                Field(html, "retry", "retry", x.RetryStatus);
                texts.Write(html, x.Message, "failure");
                break;
            case NoteEvent n:
                texts.Write(html, n.Text, "note");
                break;
            case InsightsInjectedEvent i:
                html.Raw("<span class=\"field\" data-field=\"memory\"><span class=\"label\">version</span> ").Link(view.Href("memory", "versions", i.MemoryVersionId), i.MemoryVersionId).Raw("</span>");
                Field(html, "scope", "scope", i.Scope?.Key ?? "agent:" + session.AgentId);
                Ids(html, i.InsightIds);
                break;
            case InsightsCitedEvent c:
                Ids(html, c.InsightIds);
                break;
            case OutcomeEvaluationStartedEvent s:
                Field(html, "iteration", "iteration", s.Iteration.ToString(CultureInfo.InvariantCulture));
                Field(html, "rubric", "rubric", s.RubricId + " v" + s.RubricVersion.ToString(CultureInfo.InvariantCulture));
                break;
            case OutcomeEvaluationEndedEvent x:
                Field(html, "iteration", "iteration", x.Iteration.ToString(CultureInfo.InvariantCulture));
                Field(html, "rubric", "rubric", x.RubricId);
                Field(html, "result", "result", x.Result);
                Field(html, "score", "score", OutcomeIterations.ScoreAgainstThreshold(x));
                Field(html, "grader", "grader", x.GraderUsage.TotalTokens == 0 && x.GraderUsage.CostMinorUnits == 0 ? null : Tokens(x.GraderUsage));
                html.Raw(" ").Link("#outcome", "criteria");
                texts.Write(html, x.Error, "failure");
                break;
            case OrchestrationStartedEvent o:
                Field(html, "items", "items", o.ItemCount.ToString(CultureInfo.InvariantCulture));
                Field(html, "concurrency", "max concurrency", o.MaxConcurrency.ToString(CultureInfo.InvariantCulture));
                Field(html, "policy", "on failure", o.FailurePolicy);
                Field(html, "plan", "plan from", o.PlanSource);
                Field(html, "token-budget", "token budget", o.MaxTotalTokens?.ToString("N0", CultureInfo.InvariantCulture));
                Field(html, "cost-budget", "cost budget", o.MaxTotalCostMinorUnits?.ToString("N0", CultureInfo.InvariantCulture));
                texts.Write(html, o.Goal, "goal");
                break;
            case OrchestrationItemCompletedEvent i:
                Field(html, "item", "item", i.ItemId);
                Field(html, "agent", "agent", i.Agent);
                Field(html, "status", "status", i.Status);
                Field(html, "attempts", "attempts", i.Attempts.ToString(CultureInfo.InvariantCulture));
                Field(html, "outcome", "outcome", i.Outcome);
                Field(html, "tokens", "tokens", Tokens(i.Usage));
                if (i.ChildSessionId is { } child)
                {
                    html.Raw("<span class=\"field\" data-field=\"child\"><span class=\"label\">session</span> ").Link(view.Href("sessions", child), child).Raw("</span>");
                }

                texts.Write(html, i.Error, "failure");
                break;
            case OrchestrationCompletedEvent c:
                Field(html, "items", "items", c.ItemCount.ToString(CultureInfo.InvariantCulture));
                Field(html, "duration", "duration", string.Create(CultureInfo.InvariantCulture, $"{c.DurationMs:N0} ms"));
                Field(html, "tokens", "tokens", Tokens(c.Usage));
                break;
            case OrchestrationFailedEvent f:
                Field(html, "status", "status", f.Status);
                Field(html, "completed", "completed", string.Create(CultureInfo.InvariantCulture, $"{f.CompletedItems} of {f.ItemCount}"));
                Field(html, "item", "item", f.ItemId);
                Field(html, "tokens", "tokens", Tokens(f.Usage) + (f.EstimatedTokens > 0 ? string.Create(CultureInfo.InvariantCulture, $" (+{f.EstimatedTokens:N0} estimated)") : string.Empty));
                texts.Write(html, f.Reason, "failure");
                break;
            default:
                html.Element("span", e.GetType().Name, "muted");
                break;
        }
    }

    // A recorded value is cut at HtmlWriter.ValueLength, its whole (up to HtmlWriter.TitleLength) in the tooltip; a tool
    // name or call id the library capped (ToolCallEvent.MaxToolNameLength: its start, '~' and a hash of the whole) shows
    // its hash marked, the tooltip saying so.
    private static void Field(HtmlWriter html, string name, string? label, string? value)
    {
        if (value is null)
        {
            return;
        }

        html.Raw("<span class=\"field\" data-field=\"" + name + "\">");
        if (label is not null)
        {
            html.Element("span", label, "label").Raw(" ");
        }

        var cap = name switch { "tool" => ToolCallEvent.MaxToolNameLength, "call-id" => ToolCallEvent.MaxCallIdLength, _ => 0 };
        if (cap > 0 && CappedAt(value, cap) is { } hash)
        {
            html.Text(value[..hash]).Raw("<span class=\"capped\"").Title(string.Create(CultureInfo.InvariantCulture, $"Capped: the {(name == "tool" ? "tool name" : "call id")} was longer than {cap} characters; its start and a hash of the whole are recorded, so a call still pairs with its result.")).Raw(">")
                .Text(value[hash..]).Raw("</span></span>");
            return;
        }

        html.Short(value).Raw("</span>");
    }

    // Where the hash of a value the library capped starts ('~' and 32 lowercase hexadecimal digits ending a value of
    // exactly the cap), or null for a value that was not capped.
    private static int? CappedAt(string value, int cap)
    {
        const int Digits = 32;
        if (value.Length != cap || value[^(Digits + 1)] != '~')
        {
            return null;
        }

        for (var i = value.Length - Digits; i < value.Length; i++)
        {
            if (!char.IsAsciiHexDigitLower(value[i]) && !char.IsAsciiDigit(value[i]))
            {
                return null;
            }
        }

        return value.Length - Digits - 1;
    }

    private static void PairLink(HtmlWriter html, long sequence, Window window, string label, string missing)
    {
        if (window.Pairs.TryGetValue(sequence, out var other))
        {
            html.Raw("<span class=\"field\" data-field=\"pair\">").Link(window.Link(other), label + " #" + other.ToString(CultureInfo.InvariantCulture)).Raw("</span>");
        }
        else
        {
            html.Raw("<span class=\"field muted\" data-field=\"pair\">").Text(missing).Raw("</span>");
        }
    }

    private static void Ids(HtmlWriter html, IReadOnlyList<string> ids)
    {
        html.Raw("<span class=\"field\" data-field=\"insights\"><span class=\"label\">")
            .Text(string.Create(CultureInfo.InvariantCulture, $"{ids.Count} insight{(ids.Count == 1 ? string.Empty : "s")}")).Raw("</span> ");
        SessionDetailPage.WriteIds(html, ids);
        html.Raw("</span>");
    }

    private static string Tokens(SessionUsage usage) => string.Create(
        CultureInfo.InvariantCulture,
        $"{usage.InputTokens:N0} in, {usage.OutputTokens:N0} out{(usage.CachedInputTokens > 0 ? $", {usage.CachedInputTokens:N0} cached" : string.Empty)}{(usage.CostMinorUnits > 0 ? $", cost {usage.CostMinorUnits:N0}" : string.Empty)}");

    // A recorded role names a class only when it is a plain word (system, user, assistant, tool).
    private static string SafeClass(string role) =>
        role.Length is > 0 and <= 20 && role.All(char.IsAsciiLetterLower) ? role : "other";
}
