using System.Text.RegularExpressions;

namespace Dreaming;

// The shapes, matched on normalised text (GuardText): one space between words, no line breaks, no accents, Latin look-alikes
// folded. A gap between words stops at a sentence's end, so two sentences do not make one shape. The verbs of sending,
// changing access and running are followed by a space: code a traceback quotes ("send(data, to=host)") is no order.
public static partial class MemoryGuard
{
    // Linear in the text's length, so no timeout is needed, and none makes the verdict depend on the machine's load. The
    // patterns use nothing the engine refuses (no backreferences, lookarounds or atomic groups).
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    // English, French, Spanish and German verbs, determiners and nouns of "ignore all previous instructions"; a colon or a
    // semicolon ends the first gap ("override not permitted: the fare rules"). Then the Chinese phrasings.
    [GeneratedRegex("""
        \b(ignore|disregard|forget|override|bypass|discard|stop\ following|do\ not\ follow|don't\ follow|no\ longer\ follow|ignorez|ignorer|ignores|oublie|oubliez|oublier|ignora|ignoren|ignorar|olvida|olvide|olviden|olvidar|ignoriere|ignorier|ignorieren|vergiss|vergesst|vergessen\ sie|missachte|missachten)\b
        [^.!?:;]{0,40}
        \b(previous|prior|above|earlier|preceding|all|any|your|its|the|system|original|initial|existing|these|those|les|toutes|tous|tes|vos|ces|las|los|todas|todos|tus|sus|estas|alle|die|deine|ihre|vorherigen|bisherigen|obigen|samtliche)\b
        [^.!?]{0,30}
        \b(instructions?|rules|prompts?|guidelines|guidance|directions|polic(y|ies)|directives|guardrails|restrictions|programming|training|consignes|regles|instrucciones|reglas|indicaciones|anweisungen|regeln|vorgaben|richtlinien)\b
        |\bnew\ (system\ )?(instructions|rules|policy|prompt|directives?)(\ from\ [^.!?:]{0,30})?\ ?:
        |\b(forget|disregard|ignore)\ (everything|all)\ (you\ were|you've\ been|you\ have\ been|above|before|previously|said)
        |\b(disregard|ignore|forget)\ (all\ of\ )?(the|everything)\ (above|before|preceding)\b
        |\bfollow\ (these|the\ following|my|the\ new)\ (instructions|rules)\ instead\b
        |\b(your|system|the\ agent's|the\ assistant's)\ (instructions|prompt|rules)\ (have|has)\ (been\ )?(changed|updated|replaced|overridden)\b
        |(忽略|无视|忘记|忘掉|不要理会|不要遵守|跳过)[^。！？]{0,10}(指令|指示|规则|提示|设定|要求)
        |(新的?|最新)系统(指令|提示|规则)
        """, Options | RegexOptions.IgnorePatternWhitespace, Timeout.Infinite)]
    private static partial Regex OverrideInstructions();

    [GeneratedRegex(@"(ignore|disregard|forget|override)(all|any)?(the|your|my)?(previous|prior|above|earlier|preceding)(instructions?|prompts?|rules|directions|guidance)", Options, Timeout.Infinite)]
    private static partial Regex SpeltOverride();


    // Chat-template tokens and tags, and headers that announce a system message.
    [GeneratedRegex(@"<\|\s?(im_start|im_end|im_sep|system|assistant|user|endoftext|eot_id|start_header_id|end_header_id)\s?\|>|\[/?INST\]|<</?SYS>>|</?(system|assistant|sys|system_prompt|instructions?)>|###\s?(system|instructions?|new instructions)\b|\bsystem (message|prompt|note|override|instructions?|notice)\s?:|\[(system|admin|developer)( message| note| override)?\]|\((system|admin) (message|note|override)\)|\b(begin|start) of (the )?(system|admin) (prompt|instructions|message)\b", Options, Timeout.Infinite)]
    private static partial Regex RoleMarker();

    // A speaker's label in capitals ("SYSTEM:") anywhere, or in any case at the very start: "File System: read-only" stays an error.
    [GeneratedRegex(@"\b(SYSTEM|ASSISTANT|DEVELOPER)\s?:|^\W{0,4}(System|Assistant|Developer)\s?:", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, Timeout.Infinite)]
    private static partial Regex RoleMarkerUpperCase();

    [GeneratedRegex("""
        \byou('re|\ are)\ now\ (an?\ |the\ |my\ |in\ |no\ longer|free|unrestricted|unfiltered|uncensored|jailbroken|dan\b|acting|operating|allowed|authori[sz]ed|permitted|able|root|admin|administrator|developer|evil|\w*bot\b)
        |\b(from\ now\ on|from\ this\ point\ (on|forward)|henceforth)\b,?\ (you|always|never|the\ assistant|the\ agent|ignore|respond|reply|answer)\b
        |\b(act|behave|respond|roleplay|role-play)\ as\ (if\ you\ (are|were)\ )?(an?\ |the\ )?(admin|administrator|root|developer|dan|system|unrestricted|unfiltered|jailbroken|superuser|manager|owner)\b
        |\bpretend\ (to\ be|you\ are|you're|that\ you\ are)\b
        |\b(developer|god|jailbreak|dan|sudo|unrestricted)\ mode\ (enabled|activated|on|unlocked)\b|\b(enable|activate|enter|switch\ to|unlock)\ (developer|god|jailbreak|dan|sudo|unrestricted)\ mode\b|\b(god|jailbreak|dan)\ mode\b|\bdo\ anything\ now\b
        |\b(with\ no|without\ any)\ (restrictions|limitations|guardrails|censorship|rules)\b
        |\b(tu\ es|vous\ etes)\ (maintenant|desormais)\b|\b(a\ partir\ de\ maintenant|desormais),?\ (tu|vous)\b
        |\bahora\ (eres|es\ usted)\b|\b(a\ partir\ de\ ahora|de\ ahora\ en\ adelante),?\ (eres|tu|debes|siempre|nunca)\b
        |\b(du\ bist|sie\ sind)\ (jetzt|nun|ab\ sofort)\b|\b(ab\ jetzt|von\ nun\ an),?\ (bist\ du|du|musst\ du|immer|nie)\b
        |你现在是|从现在(开始|起)[，,]?你
        """, Options | RegexOptions.IgnorePatternWhitespace, Timeout.Infinite)]
    private static partial Regex NewRole();

    // Text that speaks to the model rather than to whoever reads the error; "the agent" alone is a support desk's person.
    [GeneratedRegex(@"\b(note|message|instructions?) (to|for) (the |any )?(ai|llm|assistant|ai agent|ai model|ai assistant|language model|chatbot)\b|\b(ai|llm|language model|assistant|ai model|ai agent)s? (reading|processing|parsing) this\b|\b(attention|dear|hey|hello),? (ai|llm|assistant|chatbot|ai assistant|ai agent)\b", Options, Timeout.Infinite)]
    private static partial Regex AddressModel();

    [GeneratedRegex(@"\bas (the|an|your|a) (system |site |store |platform )?(admin|administrator|developer|owner|operator|supervisor|ceo|root|superuser|security team)\b,? (i|we)\b|\b(i|we) (hereby )?(order|instruct|command) you\b|\b(admin(istrator)?|developer|system|security|manager) override\b|\bthe (agent|assistant|ai|model) (is|are) (now )?(permitted|allowed|authori[sz]ed|required|instructed) to\b", Options, Timeout.Infinite)]
    private static partial Regex Authority();

    [GeneratedRegex(@"\b(send|forward|e-?mail|post|upload|exfiltrate|leak|copy|transfer|append|attach|paste|submit) [^.!?]{0,60}\b(data|list|records?|files?|credentials|passwords?|keys?|tokens?|history|database|details|everything|all|conversation|chat|transcript|messages|prompt|secrets?|numbers?|emails?|addresses|information|info|pii)\b[^.!?]{0,60}(\bto\b|@|https?://)|!\[[^\]]{0,100}\]\(https?://[^)\s]{0,200}[?&]\w+=[{<$\[]", Options, Timeout.Infinite)]
    private static partial Regex SendData();

    // Secrets asked into the reply or a link, not into a header: "include your API key in the Authorization header" is
    // what an API says when the key is missing.
    [GeneratedRegex("""
        \b(reveal|print|output|repeat|disclose|dump|leak|tell\ me|give\ me|send\ me|show\ me)\b[^.!?]{0,30}\b(your|the)\ (system\ prompt|system\ message|instructions|initial\ prompt|hidden\ prompt|prompt|configuration|context\ window|context|conversation|chat\ history|message\ history|previous\ messages)\b
        |\bwhat\ (is|are)\ your\ (system\ prompt|system\ message|initial\ prompt|hidden\ instructions|instructions)\b
        |\b(send|give|tell|show|e-?mail)\ me\b[^.!?]{0,20}\b(api[\ _-]?(keys?|tokens?)|secret\ keys?|access\ tokens?|bearer\ tokens?|private\ keys?|credentials|[a-z]+_(api_)?(key|secret|token))\b
        |\b(include|append|add|paste|put|embed|insert|write|share)\b[^.!?]{0,40}\b(api[\ _-]?keys?|secret(\ keys?)?|access\ tokens?|bearer\ tokens?|passwords?|credentials|private\ keys?|[a-z]+_(api_)?(key|secret|token)|system\ prompt|instructions)\b[^.!?]{0,40}\b(in|into|to|inside)\ (your|the|each|every|a)\ (next\ )?(reply|replies|response|answer|message|output|summary|url|query|link|chat)\b
        |\b(reply|respond|answer)\ with\b[^.!?]{0,30}\b(api[\ _-]?keys?|secrets?|passwords?|tokens?|credentials|[a-z]+_(api_)?(key|secret|token)|system\ prompt|instructions)\b
        """, Options | RegexOptions.IgnorePatternWhitespace, Timeout.Infinite)]
    private static partial Regex LeakSecret();

    [GeneratedRegex(@"\b(grant|give|elevate|escalate|change|reset|disable|turn off) [^.!?]{0,40}\b(admin|administrator|root|superuser|permissions?|privileges?|roles?|access|passwords?|2fa|mfa|security|authentication)\b", Options, Timeout.Infinite)]
    private static partial Regex ChangeAccess();

    [GeneratedRegex(@"\b(run|execute|eval) (this|the following) (command|script|code|shell|snippet|line)s?\b|\b(run|execute|eval) (the following|this)\s?:|\b(run|execute|eval) [^.!?]{0,30}\b(command|script|shell|code)\b|\b(curl|wget)\b[^\n]{0,200}\|\s*(ba)?sh\b|\brm -rf\b", Options, Timeout.Infinite)]
    private static partial Regex RunCommand();

    [GeneratedRegex(@"\b(do not|don't|never)\b[^.!?]{0,20}\b(tell|inform|mention|reveal|show)\b[^.!?]{0,20}\b(the )?(user|customer|human|operator)\b|\bwithout (telling|informing|notifying) the (user|customer)\b", Options, Timeout.Infinite)]
    private static partial Regex HideFromUser();

    // Untrusted content only: a standing order to call a named tool ("always call transfer_funds with ...").
    [GeneratedRegex(@"\b(always|from now on|every time|each time|whenever)\b[^.!?]{0,40}\b(call|invoke|use|run|trigger|execute)\b (the )?[`'""]?[a-z][a-z0-9]*_[a-z0-9_]+\b", Options, Timeout.Infinite)]
    private static partial Regex SteerTool();
}
