--- Connection spec: Amazon S3 (source), id and auth from the reference
-- §5.1/§5.2 ([S3]): auth `specName "Access Key"` with `s3AccessKey` and
-- `s3SecretKey` (a secret). The source params are the cloud storage ones
-- (§5.3).
-- @module flowlua.emulator.catalogue.amazon_s3
-- luacheck: no max string line length
return [==[
{
  "id": "ecadc60c-7455-4d87-84dc-2a0e293d997b",
  "name": "amazon-s3",
  "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
  "version": "1.0",
  "authSpec": [
    {
      "name": "Access Key",
      "type": "AccessKey",
      "spec": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "defines auth params",
        "properties": {
          "s3AccessKey": {
            "type": "string",
            "description": "Access key id of the S3 account."
          },
          "s3SecretKey": {
            "type": "string",
            "description": "Secret access key of the S3 account.",
            "format": "password"
          },
          "bucketName": {
            "type": "string",
            "description": "Optional bucket to restrict access to."
          },
          "folderPath": {
            "type": "string",
            "description": "Optional folder to restrict access to."
          }
        },
        "required": ["s3AccessKey", "s3SecretKey"]
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
    "connectorName": "Amazon S3",
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
