using System.Text;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>What a chat agent is sent for an item: its own instructions, then the goal, its part, and the outputs of
/// the items it depends on, marked as results of other agents.</summary>
internal static class ItemPrompt
{
    public static string Build(string goal, WorkItem item, IReadOnlyList<WorkItemOutput> dependencies)
    {
        var text = new StringBuilder()
            .Append("Goal of the whole task: ").AppendLine(goal).AppendLine()
            .Append("Your part (").Append(item.Id).Append("): ").AppendLine(item.Instructions);
        if (dependencies.Count > 0)
        {
            text.AppendLine().AppendLine("Results of the work your part depends on:");
            foreach (var dependency in dependencies)
            {
                text.Append("--- ").Append(dependency.Id).Append(" (").Append(dependency.Agent).AppendLine(") ---").AppendLine(dependency.Output);
            }
        }

        return text.ToString();
    }

    public static List<ChatMessage> Messages(RosterAgent agent, WorkItemContext context)
    {
        var messages = new List<ChatMessage>(4);
        if (!string.IsNullOrWhiteSpace(agent.Instructions))
        {
            messages.Add(new ChatMessage(ChatRole.System, agent.Instructions));
        }

        messages.Add(new ChatMessage(ChatRole.User, context.Prompt));
        if (context.Feedback is not null)
        {
            messages.Add(new ChatMessage(ChatRole.Assistant, context.PreviousOutput ?? string.Empty));
            messages.Add(new ChatMessage(ChatRole.User, context.Feedback));
        }

        return messages;
    }
}
