--- Connection spec: SFTP (source), id `b7bf2577-…` (the one in the
-- CloudStorageToAEP flow spec, not the appendix's copy-paste id) and the
-- two documented auth types of the reference §5.2 ([SFTP]).
-- @module flowlua.emulator.catalogue.sftp
-- luacheck: no max string line length
return [==[
{
  "id": "b7bf2577-4520-42c9-bae9-cad01560f7bc",
  "name": "sftp",
  "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
  "version": "1.0",
  "authSpec": [
    {
      "name": "Basic Authentication for sftp",
      "type": "basicAuthentication",
      "spec": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "defines auth params",
        "properties": {
          "host": { "type": "string", "description": "host name of the SFTP server" },
          "port": { "type": "integer", "default": 22, "description": "port of the SFTP server" },
          "userName": { "type": "string", "description": "user name on the SFTP server" },
          "password": { "type": "string", "description": "password of the user", "format": "password" }
        },
        "required": ["host", "userName", "password"]
      }
    },
    {
      "name": "SSH PublicKey Authentication for sftp",
      "type": "sshPublicKeyAuthentication",
      "spec": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "defines auth params",
        "properties": {
          "host": { "type": "string", "description": "host name of the SFTP server" },
          "port": { "type": "integer", "default": 22, "description": "port of the SFTP server" },
          "userName": { "type": "string", "description": "user name on the SFTP server" },
          "privateKeyContent": {
            "type": "string",
            "description": "Base64 encoded OpenSSH RSA or DSA private key",
            "format": "password"
          },
          "passPhrase": {
            "type": "string",
            "description": "pass phrase of the private key",
            "format": "password"
          }
        },
        "required": ["host", "userName", "privateKeyContent"]
      }
    }
  ],
  "sourceSpec": {
    "name": "CloudStorage",
    "type": "CloudStorage",
    "spec": {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "type": "object",
      "properties": {
        "path": {
          "type": "string",
          "description": "input path for copying files, can be a folder path, file path or a wildcard pattern"
        },
        "recursive": {
          "type": "boolean",
          "description": "indicates recursive copy in case of folder or wild card path, default is false"
        }
      },
      "required": ["path"]
    }
  },
  "attributes": {
    "category": "Cloud Storage",
    "connectorName": "SFTP",
    "isSource": true,
    "isDraftModeSupported": true,
    "uiAttributes": {
      "apiFeatures": {
        "explorePaginationSupported": false
      }
    }
  }
}
]==]
