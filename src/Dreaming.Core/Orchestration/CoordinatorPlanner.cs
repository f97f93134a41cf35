using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Asks the coordinator model for a plan as structured JSON (a response format with a JSON schema), and checks it.</summary>
/// <remarks>A reply that is prose, is not the JSON asked for, or is an invalid plan is asked for once more with the
/// problem named; a second bad reply is a <see cref="PlanValidationException"/>.</remarks>
internal static class CoordinatorPlanner
{
    // Bounds the work spent finding the JSON in a long reply that is mostly prose with stray braces.
    private const int MaxCandidates = 64;

    private const string Instructions =
        "You are the coordinator of a team of agents. Split the goal into work items for the agents of the roster. "
        + "Items that do not need each other's results must not depend on each other, so they can run in parallel. "
        + "Answer only with JSON: {\"items\":[{\"id\":\"short-id\",\"agent\":\"roster name\",\"instructions\":\"what to do\",\"dependsOn\":[\"ids\"]}]}.";

    /// <summary>Asks the coordinator for a plan of <paramref name="goal"/>, once more when the reply is not a valid plan.</summary>
    /// <param name="coordinator">The coordinator model.</param>
    /// <param name="goal">The goal to plan.</param>
    /// <param name="agents">The roster the items may name.</param>
    /// <param name="maxItems">The most items the plan may hold.</param>
    /// <param name="agentId">The run's agent id, under which <c>DreamingOptions.CostOf</c> prices each call first; or
    /// <see langword="null"/> outside a run.</param>
    /// <param name="price">Prices each call's usage that still has no cost (the run's <c>CostOf</c> under its agent id), or
    /// <see langword="null"/>.</param>
    /// <param name="spent">Receives the usage of the coordinator's calls as each one returns, so that a planning that
    /// fails (a second bad reply, a cancellation or failure of the second call) still says what it used.</param>
    /// <param name="cancellationToken">Cancels the planning, promptly even when the coordinator ignores it.</param>
    /// <returns>The plan and its graph.</returns>
    public static async Task<(OrchestrationPlan Plan, PlanGraph Graph)> PlanAsync(
        IChatClient coordinator, string goal, IReadOnlyList<RosterAgent> agents, int maxItems, string? agentId, Func<SessionUsage, SessionUsage>? price, PlanningUsage spent, CancellationToken cancellationToken)
    {
        var names = agents.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        List<ChatMessage> messages = [new(ChatRole.System, Instructions), new(ChatRole.User, Request(goal, agents))];
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(Schema(names), "orchestration_plan", "The work items of the plan.") };
        PlanValidationException? problem = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // WaitAsync: a cancellation is prompt even when the coordinator ignores its token (the call left running is abandoned).
            var response = await AbandonedTask.WaitAsync(coordinator.GetResponseAsync(messages, options.Clone(), cancellationToken), cancellationToken).ConfigureAwait(false);

            var callUsage = agentId is null ? ModelUsage.Of(response.Usage) : ModelUsage.Of(coordinator, agentId, response, options);
            spent.Usage = spent.Usage.Add(price is null ? callUsage : price(callUsage));
            spent.UnreportedTokens = SaturatingSum.Add(spent.UnreportedTokens, ModelUsage.Unreported(messages, response));
            try
            {
                var plan = Parse(goal, response.Text);
                return (plan, PlanGraph.Build(plan, names, maxItems));
            }
            catch (PlanValidationException ex)
            {
                problem = ex;
                messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
                messages.Add(new ChatMessage(ChatRole.User, $"That is not a valid plan: {ex.Message} Answer again with the JSON object only."));
            }
        }

        // Every problem of the second reply is kept, the first one's message prefixed.
        var first = problem!.Problems[0];
        throw new PlanValidationException(
            [new PlanProblem($"The coordinator did not return a valid plan after 2 attempts: {first.Message}", first.ItemIds), .. problem.Problems.Skip(1)],
            problem.OmittedProblemCount);
    }

    internal static OrchestrationPlan Parse(string goal, string text)
    {
        // The reply is parsed once: the document its JSON was found in is the one read.
        using var document = DocumentOf(text);
        var root = document.RootElement;

        // A property given twice in an object is refused, not read as one of its values.
        if (DuplicateProperty(root) is { } name)
        {
            throw new PlanValidationException($"The coordinator's reply gives the property {PlanNames.Quote(name)} more than once in an object.");
        }

        // Property names are read in any case (ModelReplyJson.Property), as a plan file's are ("Items", "DependsOn"): a
        // model that writes them so would otherwise have its items' dependencies dropped, the items run at once without the
        // outputs they need. An object's names are known distinct in any case (above), so the property found is the only one.
        if (ModelReplyJson.Property(root, "items") is not { ValueKind: JsonValueKind.Array } array)
        {
            throw new PlanValidationException("The coordinator's reply has no \"items\" array.");
        }

        var items = new List<WorkItem>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new PlanValidationException($"Item #{items.Count + 1} of the coordinator's plan is not an object.");
            }

            var id = Text(item, "id");
            items.Add(new WorkItem
            {
                Id = id,
                Agent = Text(item, "agent"),
                Instructions = Text(item, "instructions"),
                // Missing or null is no dependencies; anything but an array of strings is refused, not read as none
                // (the item would run at once, without the output it needs).
                DependsOn = DependsOn(item) ?? throw new PlanValidationException(
                    $"Item {(string.IsNullOrWhiteSpace(id) ? $"#{items.Count + 1}" : PlanNames.Quote(id))} of the coordinator's plan has a dependsOn that is not an array of item ids.",
                    string.IsNullOrWhiteSpace(id) ? [] : [id]),
            });
        }

        return new OrchestrationPlan { Goal = goal, Items = items };
    }

    // The item's dependencies: none when missing or null, null when not an array of strings.
    private static List<string>? DependsOn(JsonElement item)
    {
        if (ModelReplyJson.Property(item, "dependsOn") is not { } deps || deps.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (deps.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var ids = new List<string>(deps.GetArrayLength());
        foreach (var dep in deps.EnumerateArray())
        {
            if (dep.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            ids.Add(dep.GetString()!);
        }

        return ids;
    }

    // The first property given twice in an object (in any case), depth first.
    private static string? DuplicateProperty(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in element.EnumerateArray())
            {
                if (DuplicateProperty(child) is { } name)
                {
                    return name;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            // In any case, as the names are read.
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    return property.Name;
                }

                if (DuplicateProperty(property.Value) is { } name)
                {
                    return name;
                }
            }
        }

        return null;
    }

    private static string Text(JsonElement item, string name) =>
        ModelReplyJson.Property(item, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : string.Empty;

    // The reply's JSON: its first JSON object with an "items" property, so prose or a code fence before or after it does
    // not matter (models wrap JSON so, above all when a provider ignores the response format). A reply with no such object
    // is parsed trimmed, and what it is then named (not JSON, no items). Either is read as UTF-8 with half a surrogate
    // pair, raw or as a \u escape, as U+FFFD (ModelReplyJson.Utf8), so that no string of it throws.
    private static JsonDocument DocumentOf(string text)
    {
        if (ModelReplyJson.Find(text, static root => ModelReplyJson.Property(root, "items") is not null, MaxCandidates, default, out _) is { } found)
        {
            return found;
        }

        try
        {
            return JsonDocument.Parse(ModelReplyJson.Utf8(text.Trim()));
        }
        catch (JsonException)
        {
            throw new PlanValidationException($"The coordinator's reply is not JSON (it starts \"{Start(text)}\").");
        }
    }

    private static string Start(string text)
    {
        // Cut on a whole character, and half a surrogate pair in the reply quoted as U+FFFD, as the reply is read.
        var start = TextCut.WithEllipsis(text.ReplaceLineEndings(" ").Trim(), 41, "…");
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(start));
    }

    private static string Request(string goal, IReadOnlyList<RosterAgent> agents)
    {
        var text = new StringBuilder().Append("Goal: ").AppendLine(goal).AppendLine().AppendLine("Roster:");
        foreach (var agent in agents)
        {
            text.Append("- ").Append(agent.Name);
            if (!string.IsNullOrWhiteSpace(agent.Instructions))
            {
                text.Append(": ").Append(agent.Instructions.ReplaceLineEndings(" "));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static JsonElement Schema(IEnumerable<string> agentNames)
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["items"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["required"] = new JsonArray("id", "agent", "instructions", "dependsOn"),
                        ["properties"] = new JsonObject
                        {
                            ["id"] = new JsonObject { ["type"] = "string" },
                            ["agent"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. agentNames.Select(n => (JsonNode?)n)]) },
                            ["instructions"] = new JsonObject { ["type"] = "string" },
                            ["dependsOn"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                        },
                    },
                },
            },
        };
        // Read back from its text rather than serialized by JsonSerializer (which would need reflection, off when
        // trimmed or compiled ahead of time): the same element.
        using var document = JsonDocument.Parse(schema.ToJsonString());
        return document.RootElement.Clone();
    }
}

/// <summary>The usage of a planning's coordinator calls so far, filled as each call returns.</summary>
internal sealed class PlanningUsage
{
    public SessionUsage Usage { get; set; } = SessionUsage.Zero;

    /// <summary>Gets or sets the tokens the calls used without reporting them, estimated from the text: counted against the
    /// run's token budget only.</summary>
    public long UnreportedTokens { get; set; }
}
