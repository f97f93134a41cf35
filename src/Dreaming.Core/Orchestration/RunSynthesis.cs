using System.Text;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Writes a run's final answer: the host's delegate, else the coordinator model, else the outputs of the items
/// nothing depends on.</summary>
internal static class RunSynthesis
{
    /// <summary>Writes the final answer.</summary>
    /// <param name="request">The run's request, with its <see cref="OrchestrationRequest.Synthesize"/> delegate, if any.</param>
    /// <param name="coordinator">The coordinator model, or <see langword="null"/>.</param>
    /// <param name="price">Prices the coordinator's call when it still has no cost (after <c>DreamingOptions.CostOf</c>: the
    /// run's <c>CostOf</c> under its agent id), or <see langword="null"/>.</param>
    /// <param name="goal">The run's goal.</param>
    /// <param name="items">Every item's result, in plan order.</param>
    /// <param name="execution">The run's execution, which knows the items nothing depends on.</param>
    /// <param name="session">The run's session.</param>
    /// <param name="cancellationToken">Cancels the synthesis.</param>
    /// <returns>The answer and the usage of the coordinator's call (zero otherwise).</returns>
    public static async Task<(string Answer, SessionUsage Usage)> SynthesizeAsync(
        OrchestrationRequest request, IChatClient? coordinator, Func<SessionUsage, SessionUsage>? price, string goal, List<WorkItemResult> items, PlanExecution execution, IAgentSession session, CancellationToken cancellationToken)
    {
        if (request.Synthesize is { } synthesize)
        {
            // WaitAsync here and below: a cancellation is prompt even when the synthesis ignores its token.
            return (await AbandonedTask.WaitAsync(synthesize(new OrchestrationSynthesis(goal, items, session), cancellationToken), cancellationToken).ConfigureAwait(false), SessionUsage.Zero);
        }

        if (coordinator is not null)
        {
            var response = await AbandonedTask.WaitAsync(
                coordinator.GetResponseAsync(
                    [
                        new ChatMessage(ChatRole.System, "You are the coordinator of a team of agents. Combine their results into the final answer to the goal. Say plainly what is missing when an item did not complete."),
                        new ChatMessage(ChatRole.User, SynthesisRequest(goal, items, execution.OutputLimit, execution.OutputTotalLimit)),
                    ],
                    cancellationToken: cancellationToken),
                cancellationToken).ConfigureAwait(false);
            var usage = ModelUsage.Of(coordinator, request.AgentId, response, options: null);
            return (response.Text, price is null ? usage : price(usage));
        }

        // Without a model: the outputs of the items nothing depends on are the answer.
        return (Finals(items, execution), SessionUsage.Zero);
    }

    // One final item: its output; several: each under a "## id" heading, separated by blank lines. A wide plan has
    // thousands of final items: one pass finds them and the length, a second writes the answer into the string itself
    // (no list of them, no builder's chunks to copy).
    private static string Finals(List<WorkItemResult> items, PlanExecution execution)
    {
        var count = 0;
        var first = -1;
        long length = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (IsFinal(items[i], i, execution))
            {
                first = count++ == 0 ? i : first;
                length += (count == 1 ? 3 : 5) + items[i].Id.Length + 1 + (items[i].Output?.Length ?? 0);
            }
        }

        if (count <= 1)
        {
            return count == 0 ? string.Empty : items[first].Output ?? string.Empty;
        }

        if (length > int.MaxValue)
        {
            // Longer than any string: the builder fails as it always did.
            return Built(items, execution);
        }

        return string.Create((int)length, (items, execution, first), static (text, state) =>
        {
            var at = 0;
            for (var i = state.first; i < state.items.Count; i++)
            {
                var item = state.items[i];
                if (!IsFinal(item, i, state.execution))
                {
                    continue;
                }

                at += Write(text[at..], at == 0 ? "## " : "\n\n## ");
                at += Write(text[at..], item.Id);
                text[at++] = '\n';
                at += Write(text[at..], item.Output);
            }
        });

        static int Write(Span<char> text, string? value)
        {
            value.AsSpan().CopyTo(text);
            return value?.Length ?? 0;
        }
    }

    private static bool IsFinal(WorkItemResult item, int index, PlanExecution execution) =>
        item.Status == WorkItemStatus.Completed && execution.IsSink(index);

    private static string Built(List<WorkItemResult> items, PlanExecution execution)
    {
        var text = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            if (IsFinal(items[i], i, execution))
            {
                text.Append(text.Length == 0 ? "## " : "\n\n## ").Append(items[i].Id).Append('\n').Append(items[i].Output);
            }
        }

        return text.ToString();
    }

    // Each output cut as a dependent gets it (MaxDependencyOutputLength), and all of them together as a dependent gets its
    // dependencies' (MaxDependencyOutputTotalLength): the coordinator is sent every item's.
    private static string SynthesisRequest(string goal, List<WorkItemResult> items, int? outputLimit, int? outputTotalLimit)
    {
        var withOutput = items.Where(static i => i.Output is not null).ToList();
        var whole = withOutput.Select(static i => i.Output!).ToArray();
        var shared = withOutput.Select(i => DependencyOutputCut.Cut(i.Output!, outputLimit, i.Id, i.Agent, i.SessionId)).ToArray();
        var given = DependencyOutputCut.CutTogether(shared, whole, [.. withOutput.Select(static i => i.SessionId)], outputLimit, outputTotalLimit, "items");
        var next = 0;
        var text = new StringBuilder().Append("Goal: ").AppendLine(goal).AppendLine();
        foreach (var item in items)
        {
            text.Append("--- ").Append(item.Id).Append(" (").Append(item.Agent).Append(", ").Append(OrchestrationNames.Of(item.Status)).AppendLine(") ---");
            text.AppendLine(item.Output is not null ? given[next++].Output : item.Error ?? string.Empty);
        }

        return text.ToString();
    }
}
