//! An error as the command line prints it: what the client core says happened, then which command or flag
//! deals with it here. The core's own messages reach the phone apps too, so they name none of these.

use zhiban_client_core::{ClientError, NO_DIRECTORY, NO_IDENTITY};

/// The error's message, with the command line's hint when it has one.
pub fn message(error: &ClientError) -> String {
    match hint(error) {
        Some(hint) => format!("{error}; {hint}"),
        None => error.to_string(),
    }
}

fn hint(error: &ClientError) -> Option<&'static str> {
    match error {
        ClientError::NoServer => Some("give --server http://HOST:PORT or set ZHIBAN_SERVER"),
        ClientError::LoginRequired(_) => Some("log in again with `zhiban login`"),
        ClientError::NotSetUp(reason) if reason == NO_IDENTITY => Some("log in with `zhiban login --username YOU`"),
        ClientError::NotSetUp(reason) if reason == NO_DIRECTORY => {
            Some("run `zhiban directory fetch` or `zhiban directory use URL`")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_says_which_flag_or_command_to_give() {
        let no_server = message(&ClientError::NoServer);
        assert_eq!(
            no_server,
            "no server is configured for this phone; give --server http://HOST:PORT or set ZHIBAN_SERVER"
        );
        let login = message(&ClientError::LoginRequired("the refresh token was revoked".into()));
        assert!(login.starts_with("login required: the refresh token was revoked"), "{login}");
        assert!(login.contains("nothing on this phone is lost") && login.ends_with("`zhiban login`"), "{login}");
        let nobody = message(&ClientError::NotSetUp(NO_IDENTITY.into()));
        assert!(nobody.starts_with(NO_IDENTITY) && nobody.contains("`zhiban login --username YOU`"), "{nobody}");
        let no_directory = message(&ClientError::NotSetUp(NO_DIRECTORY.into()));
        assert!(no_directory.contains("`zhiban directory fetch`"), "{no_directory}");
        // Nothing to add: the message as the core says it.
        let timeout = ClientError::Timeout(30, 2);
        assert_eq!(message(&timeout), timeout.to_string());
    }
}
