using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>What a chat agent is sent for an item: its own instructions as a system message, then the item's prompt
/// (<see cref="WorkItemContext.Prompt"/>), then, when an outcome loop asks for a revision, its previous work and the feedback.</summary>
internal static class ItemPrompt
{
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
