// Sends the form_post answer to Entra as soon as the page is there (OAuth 2.0 Form Post Response Mode).
document.getElementById("form-post").submit();
