using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Templating;

/// <summary>Where the Razor templates of pages and mails live. Section <c>Templates</c>.</summary>
public sealed class TemplateOptions
{
    public const string Section = "Templates";

    /// <summary>Folder holding <c>pages/</c>, <c>email/</c> and <c>digest/</c>, relative to the content root. Default <c>templates</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "templates";

    /// <summary>
    /// Folder where the compiled templates are kept between starts, relative to the content root; empty: none
    /// (every start compiles them, about 2 s). A changed template or a new build compiles them again. Default <c>data/template-cache</c>.
    /// </summary>
    public string? CachePath { get; set; } = "data/template-cache";
}
