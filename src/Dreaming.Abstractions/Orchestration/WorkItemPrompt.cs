using System.Text;

namespace Dreaming;

/// <summary>Renders what a chat agent is asked for a work item: the goal, its part, and the outputs of the items it
/// depends on, marked as results of other agents.</summary>
internal static class WorkItemPrompt
{
    public static string Render(string goal, WorkItem item, IReadOnlyList<WorkItemOutput> dependencies)
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
}
